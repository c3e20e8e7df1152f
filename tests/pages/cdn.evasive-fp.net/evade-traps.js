// Evasion: set traps that instrumentation code tends to spring (Error.prepareStackTrace,
// an accessor on Error.stackTraceLimit, Object.prototype.toJSON, setters on
// Array.prototype indices), call hooked APIs, and see whether any trap fired.
(function () {
  // The canvas fingerprint, through whichever functions the evasion chose.
  function fingerprint(fillText, setFill, toDataURL) {
    var canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 40;
    var ctx = canvas.getContext('2d');
    ctx.font = '14px Arial';
    setFill.call(ctx, '#069');
    fillText.call(ctx, 'Cwm fjordbank glyphs vext quiz', 2, 15);
    setFill.call(ctx, 'rgba(102, 204, 0, 0.7)');
    fillText.call(ctx, 'Cwm fjordbank glyphs vext quiz', 4, 17);
    return toDataURL.call(canvas).length;
  }
  var sprung = [];
  Error.prepareStackTrace = function (error, sites) { sprung.push('prepareStackTrace'); return 'x'; };
  var limit = Error.stackTraceLimit;
  Object.defineProperty(Error, 'stackTraceLimit', {
    configurable: true,
    get: function () { sprung.push('stackTraceLimit'); return limit; },
    set: function (v) { sprung.push('stackTraceLimit='); limit = v; },
  });
  Object.defineProperty(Object.prototype, 'toJSON', {
    configurable: true, writable: true,
    value: function () { sprung.push('toJSON'); return this; },
  });
  for (var i = 0; i < 8; i++) {
    Object.defineProperty(Array.prototype, i, {
      configurable: true,
      set: function () { sprung.push('Array setter'); },
      get: function () { return undefined; },
    });
  }
  var X = CanvasRenderingContext2D.prototype;
  fingerprint(X.fillText, Object.getOwnPropertyDescriptor(X, 'fillStyle').set,
                 HTMLCanvasElement.prototype.toDataURL);
  var seen = navigator.userAgent + navigator.platform + screen.width;
  for (var j = 0; j < 8; j++) delete Array.prototype[j];
  delete Object.prototype.toJSON;
  delete Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  delete Error.prepareStackTrace;
  evasion.report('traps', sprung.length > 0 ? sprung.join('+') : 'false');
})();
