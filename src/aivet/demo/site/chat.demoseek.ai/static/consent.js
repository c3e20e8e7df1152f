// DemoSeek cookie banner. The choice is remembered in the ds_consent cookie; note
// that analytics and the login SDK load whatever the choice is (part of the demo).
(function () {
  var banner = document.getElementById('onetrust-banner-sdk');
  if (!banner) return;
  function decided() { return document.cookie.indexOf('ds_consent=') !== -1; }
  function choose(value) {
    var opts = { expires: 180, path: '/', sameSite: 'Lax' };
    if (window.Cookies) window.Cookies.set('ds_consent', value, opts);
    else document.cookie = 'ds_consent=' + value + '; path=/; max-age=15552000; samesite=lax';
    banner.classList.add('hidden');
  }
  if (decided()) banner.classList.add('hidden');
  document.getElementById('onetrust-accept-btn-handler').addEventListener('click', function () { choose('all'); });
  document.getElementById('onetrust-reject-all-handler').addEventListener('click', function () { choose('necessary'); });
})();
