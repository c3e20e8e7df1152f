// Calls instrumented APIs far more often than any page needs: the log must stay bounded.
(function () {
  var started = performance.now();
  var x = 0;
  for (var i = 0; i < 1000000; i++) x += navigator.userAgent.length;
  var ctx = document.createElement('canvas').getContext('2d');
  for (var j = 0; j < 30000; j++) ctx.fillText('distinct text ' + j, 0, 0);
  for (var k = 0; k < 5000; k++) matchMedia('(min-width: ' + k + 'px)');
  var big = new Array(100001).join('A');
  for (var m = 0; m < 200; m++) ctx.measureText(big + m);
  fetch('/collect/hostile', {method: 'POST', body: String(Math.round(performance.now() - started))});
})();
