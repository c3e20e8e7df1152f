// One harmless API: a user-agent check for a browser-support notice.
(function () {
  if (/MSIE|Trident/.test(navigator.userAgent)) {
    document.body.insertAdjacentHTML('afterbegin', '<p>Please use a newer browser.</p>');
  }
})();
