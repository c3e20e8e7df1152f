// Stand-in served under the URL of Hotjar's tracking script, to test recognition of a known
// session-replay service by its script URL alone. It is not Hotjar's code and does nothing.
window.hjSiteSettings = {site_id: 3550000};
