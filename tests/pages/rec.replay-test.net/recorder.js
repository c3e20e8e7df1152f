// The fictional replay service's glue: start rrweb (loaded just before) and upload the
// recorded events every half second, as replay services do.
(function () {
  var events = [];
  rrweb.record({
    emit: function (event) { events.push(event); },
    maskAllInputs: false,
  });
  setInterval(function () {
    if (!events.length) return;
    var batch = events;
    events = [];
    fetch('http://rec.replay-test.net/collect/events', {
      method: 'POST',
      body: JSON.stringify(batch),
      keepalive: true,
    });
  }, 500);
})();
