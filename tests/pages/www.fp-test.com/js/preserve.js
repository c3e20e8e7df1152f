// What a page can observe of the APIs aivet hooks: the results must be the same with and
// without the instrumentation (tests/test_behaviour_collect.py compares them).
(function () {
  var results = {};
  function check(name, fn) {
    try {
      var value = fn();
      results[name] = value === undefined ? 'undefined' : value;
    } catch (e) {
      results[name] = 'throws ' + e.name + ': ' + e.message;
    }
  }
  var C = HTMLCanvasElement.prototype, X = CanvasRenderingContext2D.prototype;
  var shape = function (d) {
    return JSON.stringify(d, function (k, v) { return typeof v === 'function' ? 'fn:' + v.name : v; });
  };
  check('toDataURL name/length', function () { return C.toDataURL.name + '/' + C.toDataURL.length; });
  check('fillText name/length', function () { return X.fillText.name + '/' + X.fillText.length; });
  check('has prototype', function () { return 'prototype' in C.toDataURL; });
  check('constructing a method', function () { return new C.toDataURL(); });
  check('wrong this', function () { return C.toDataURL.call({}); });
  check('null this', function () { return X.fillText.call(null, 'x', 0, 0); });
  check('toString', function () { return Function.prototype.toString.call(C.toDataURL); });
  check('toString of getter', function () {
    return String(Object.getOwnPropertyDescriptor(Navigator.prototype, 'userAgent').get);
  });
  check('toString of toString', function () { return Function.prototype.toString.toString(); });
  check('toString of non-function', function () { return Function.prototype.toString.call({}); });
  check('user function source', function () { return (function f(a, b) { return a + b; }).toString(); });
  check('getter through descriptor', function () {
    return Object.getOwnPropertyDescriptor(Navigator.prototype, 'userAgent').get.call(navigator) === navigator.userAgent;
  });
  check('getter on wrong object', function () {
    return Object.getOwnPropertyDescriptor(Navigator.prototype, 'userAgent').get.call({});
  });
  check('accessor descriptor', function () { return shape(Object.getOwnPropertyDescriptor(X, 'font')); });
  check('method descriptor', function () { return shape(Object.getOwnPropertyDescriptor(C, 'toDataURL')); });
  check('property order', function () { return Object.getOwnPropertyNames(X).join(','); });
  check('Worker', function () {
    return [Worker.prototype.constructor === Worker, Worker.name, Worker.length, typeof Worker,
            Object.getPrototypeOf(Worker) === Function.prototype].join();
  });
  check('Worker without new', function () { return Worker('x.js'); });
  check('font kept', function () {
    var x = document.createElement('canvas').getContext('2d');
    x.font = 'bold 12px serif';
    var a = x.font;
    x.font = 'not a font';
    return a + ' / ' + x.font;
  });
  check('canvas image', function () {
    var c = document.createElement('canvas');
    c.width = 50; c.height = 20;
    var x = c.getContext('2d');
    x.fillStyle = '#f00'; x.fillRect(0, 0, 10, 10);
    x.fillStyle = '#00f'; x.font = '12px monospace'; x.fillText('ab', 12, 12);
    return c.toDataURL().length + ' ' + x.getImageData(0, 0, 2, 2).data.join(',');
  });
  check('measureText', function () {
    return document.createElement('canvas').getContext('2d').measureText('hello').width > 0;
  });
  check('listener this and once', function () {
    var n = 0, target = document.createElement('div');
    target.addEventListener('ping', function () { n += this === target ? 1 : 100; }, {once: true});
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    var h = function () { n += 1000; };
    document.addEventListener('keyup', h);
    document.removeEventListener('keyup', h);
    document.dispatchEvent(new KeyboardEvent('keyup', {key: 'a'}));
    return n;
  });
  check('handler property', function () {
    var el = document.createElement('input'), f = function () {};
    el.onkeydown = f;
    return el.onkeydown === f;
  });
  check('key event', function () {
    var e = new KeyboardEvent('keydown', {key: 'q', code: 'KeyQ'});
    return e.key + e.code;
  });
  check('navigator', function () {
    return [typeof navigator.userAgent, navigator.languages.join(), typeof navigator.hardwareConcurrency,
            navigator.plugins instanceof PluginArray, navigator.webdriver].join();
  });
  check('screen', function () { return [screen.width, screen.height, screen.colorDepth].join('x'); });
  check('matchMedia', function () { return matchMedia('(min-width: 1px)').matches; });
  check('Intl', function () { return Intl.DateTimeFormat().resolvedOptions().timeZone; });
  check('time zone offset', function () { return new Date(0).getTimezoneOffset(); });
  check('cookie', function () { document.cookie = 'p=1; path=/'; return document.cookie.indexOf('p=1') >= 0; });
  check('storage', function () { localStorage.setItem('k', 'v'); return localStorage.getItem('k'); });
  check('element size', function () {
    var s = document.createElement('span');
    s.style.fontFamily = 'monospace';
    s.textContent = 'mmm';
    document.body.appendChild(s);
    var w = s.offsetWidth > 0 && s.getBoundingClientRect().width > 0;
    s.remove();
    return w;
  });
  check('input value', function () { var i = document.createElement('input'); i.value = 'abc'; return i.value; });
  check('webgl', function () {
    var gl = document.createElement('canvas').getContext('webgl');
    return gl ? gl.getParameter(gl.VERSION) : 'none';
  });
  check('createObjectURL', function () { return URL.createObjectURL(new Blob(['x'])).slice(0, 5); });
  check('error message', function () { try { null.x; } catch (e) { return e.message; } });
  check('stack trace settings', function () { return typeof Error.prepareStackTrace + ' ' + Error.stackTraceLimit; });
  check('globals', function () {
    var names = Object.getOwnPropertyNames(window).filter(function (k) { return !/^\d+$/.test(k); });
    return names.length + ' ' + names.filter(function (k) { return /^_/.test(k); }).join(',');
  });
  var pending = [];
  pending.push(new Promise(function (resolve) {
    var w = new Worker(URL.createObjectURL(new Blob(['onmessage = function (e) { postMessage(e.data + 1); }'])));
    w.onmessage = function (e) { resolve(['blob worker', e.data]); };
    w.postMessage(41);
  }));
  pending.push(new Promise(function (resolve) {
    var w = new Worker('/workers/echo.js');
    w.onmessage = function (e) { resolve(['site worker', e.data.join()]); };
    w.onerror = function (e) { resolve(['site worker', 'error ' + e.message]); };
    w.postMessage(21);
  }));
  pending.push(new Promise(function (resolve) {
    var w = new Worker(new URL('/workers/echo.js', location.href));
    w.onmessage = function (e) { resolve(['worker from URL object', e.data.join()]); };
    w.postMessage(1);
  }));
  pending.push(new Promise(function (resolve) {
    class Sub extends Worker {}
    var w = new Sub(URL.createObjectURL(new Blob(['postMessage(typeof self)'])));
    w.onmessage = function (e) { resolve(['worker subclass', (w instanceof Sub) + ' ' + e.data]); };
  }));
  pending.push(new Promise(function (resolve) {
    var ctx = new OfflineAudioContext(1, 2000, 44100);
    var osc = ctx.createOscillator();
    osc.connect(ctx.destination);
    osc.start(0);
    ctx.startRendering().then(function (buffer) {
      var d = buffer.getChannelData(0), sum = 0;
      for (var i = 0; i < d.length; i++) sum += Math.abs(d[i]);
      resolve(['audio', Math.round(sum)]);
    });
  }));
  pending.push(new Promise(function (resolve) {
    var c = document.createElement('canvas');
    c.toBlob(function (b) { resolve(['toBlob', b.type]); });
  }));
  Promise.all(pending).then(function (pairs) {
    pairs.forEach(function (p) { results[p[0]] = p[1]; });
    fetch('/collect/preserve', {method: 'POST', body: JSON.stringify(results)});
  });
})();
