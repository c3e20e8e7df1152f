importScripts('echo-helper.js');
onmessage = function (e) {
  postMessage([e.data * 2, self.location.pathname, helperLoaded, typeof navigator.userAgent]);
};
