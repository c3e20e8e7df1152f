"""The in-page instrumentation: JavaScript that hooks fingerprinting-relevant APIs in a realm.

It runs before any page code: as a context init script in every frame (Chromium
runs those in about:blank, srcdoc, sandboxed, javascript: and document.write
frames too, so a "clean" prototype from a fresh iframe is hooked as well), and in
blob and data: workers, whose source the page-side `Worker` hook prepends it to.
Workers loaded from a URL are not hooked (see docs/behaviour.md, Limitations).

Design points, each answering a way pages fight back or break:

- Every hook is a `Proxy` of the native function (or accessor), so `this`,
  `name`, `length`, `prototype`, constructibility and thrown errors stay those
  of the native. `Function.prototype.toString` is hooked to print the native's
  text for our proxies; a toString taken from another realm prints
  "function () { [native code] }" and then asks the proxy (through a secret
  registry symbol) for the native text.
- Everything the hooks use at call time is captured before page code runs, so
  a page that replaces `JSON.stringify`, `Map`, `Array.prototype` or
  `Error.prepareStackTrace` neither sees nor steers the recording.
- The recording channel is a DevTools binding whose random name is deleted from
  the global as soon as the script has taken it.
- Logs are bounded: identical calls are counted, not repeated; distinct calls
  per API and script and per realm are capped; after many calls to one API the
  stack (the costly part) is only sampled. What is cut is counted.
"""

# The JavaScript below keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

# The template is plain JavaScript; `render_script` in this package substitutes CONFIG.
HOOKS_JS = r"""(function instrument(CONFIG) {
  'use strict';
  const G = globalThis;
  const R = Reflect;
  const apply = R.apply;
  const construct = R.construct;
  const rget = R.get;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const setPrototypeOf = Object.setPrototypeOf;
  const isArray = Array.isArray;
  const ArrayProto = Array.prototype;
  const NativeProxy = Proxy;
  const NativeError = Error;
  const captureStackTrace = Error.captureStackTrace;
  const fnToString = Function.prototype.toString;
  const objToString = Object.prototype.toString;
  const jsonStringify = JSON.stringify;
  const NativeJSON = JSON;
  const strSlice = String.prototype.slice;
  const strIndexOf = String.prototype.indexOf;
  const strToLower = String.prototype.toLowerCase;
  const reExec = RegExp.prototype.exec;
  const NativeWeakMap = WeakMap;
  const wmGet = WeakMap.prototype.get;
  const wmSet = WeakMap.prototype.set;
  const NativeMap = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const mapForEach = Map.prototype.forEach;
  const NativeSet = Set;
  const setHas = Set.prototype.has;
  const SECRET = Symbol.for(CONFIG.secret);
  const PROXIED = 'function () { [native code] }';
  const perf = G.performance;
  const perfNow = perf ? perf.now : null;
  const timeOrigin = perf ? perf.timeOrigin : 0;
  const DateCtor = Date;
  const dateNow = Date.now;
  const queueMicrotask_ = G.queueMicrotask;
  const setTimeout_ = G.setTimeout;
  const L = CONFIG.limits;

  function own(obj, key) {
    if (obj === null || obj === undefined) return undefined;
    const d = getOwnPropertyDescriptor(obj, key);
    return d === undefined ? undefined : d.value;
  }
  function arr() {
    const a = [];
    setPrototypeOf(a, null);
    return a;
  }

  // Already instrumented (a blob worker that also got the DevTools copy): do nothing.
  const FP = own(own(G, 'Function'), 'prototype');
  const existing = own(FP, 'toString');
  if (typeof existing === 'function' && typeof existing[SECRET] === 'string') return;

  const IS_WORKER = getOwnPropertyDescriptor(G, 'document') === undefined;
  const SELF_SOURCE = '(' + apply(fnToString, instrument, []) + ')(' +
    apply(jsonStringify, NativeJSON, [CONFIG]) + ');\n';
  let realmUrl = '';
  try { realmUrl = '' + G.location.href; } catch (e) { realmUrl = ''; }

  // --- serialisation of our own records (never through page-reachable prototypes) -------
  function ser(v) {
    if (v === null || v === undefined) return 'null';
    const t = typeof v;
    if (t === 'string') return apply(jsonStringify, NativeJSON, [v]);
    if (t === 'number') return (v === v && v !== Infinity && v !== -Infinity) ? '' + v : 'null';
    if (t === 'boolean') return v ? 'true' : 'false';
    if (isArray(v)) {
      let s = '[';
      for (let i = 0; i < v.length; i++) { if (i) s += ','; s += ser(v[i]); }
      return s + ']';
    }
    return 'null';
  }
  function clip(s) {
    s = '' + s;
    return s.length > L.arg ? apply(strSlice, s, [0, L.arg]) + '\u2026(' + s.length + ')' : s;
  }
  function describe(v) {
    const t = typeof v;
    if (v === null || v === undefined) return null;
    if (t === 'string') return clip(v);
    if (t === 'number' || t === 'boolean') return v;
    if (t === 'function') return '[function]';
    if (t === 'object') return apply(strSlice, apply(objToString, v, []), [8, -1]);
    return '[' + t + ']';
  }
  function plainArgs(args, count) {
    const out = arr();
    const n = args.length < count ? args.length : count;
    for (let i = 0; i < n; i++) out[i] = describe(args[i]);
    return out;
  }

  // --- stacks: which script made the call -------------------------------------------------
  let csFileName = null;
  let csEvalOrigin = null;
  function sites(_error, callsites) { return callsites; }
  function withOwnStackHooks(topFn) {
    const pDesc = getOwnPropertyDescriptor(NativeError, 'prepareStackTrace');
    const lDesc = getOwnPropertyDescriptor(NativeError, 'stackTraceLimit');
    if ((pDesc && !pDesc.configurable) || (lDesc && !lDesc.configurable)) return null;
    defineProperty(NativeError, 'prepareStackTrace',
      { value: sites, writable: true, configurable: true, enumerable: false });
    defineProperty(NativeError, 'stackTraceLimit',
      { value: 30, writable: true, configurable: true, enumerable: false });
    let found = null;
    try {
      const holder = {};
      setPrototypeOf(holder, null);
      captureStackTrace(holder, topFn);
      found = holder.stack;
    } finally {
      if (pDesc) defineProperty(NativeError, 'prepareStackTrace', pDesc);
      else delete NativeError.prepareStackTrace;
      if (lDesc) defineProperty(NativeError, 'stackTraceLimit', lDesc);
      else delete NativeError.stackTraceLimit;
    }
    return isArray(found) ? found : null;
  }
  (function captureCallSiteMethods() {
    const found = withOwnStackHooks(captureCallSiteMethods);
    const probe = found && found.length ? found[0] : null;
    if (probe === null) return;
    const proto = getPrototypeOf(probe);
    csFileName = own(proto, 'getFileName') || null;
    csEvalOrigin = own(proto, 'getEvalOrigin') || null;
  })();
  const EVAL_URL = /\(((?:https?|blob|file|wss?|chrome-extension|about):[^()]*?):\d+:\d+\)/;
  function stackUrls(topFn) {
    const out = arr();
    if (csFileName === null) return out;
    const found = withOwnStackHooks(topFn);
    if (found === null) return out;
    for (let i = 0; i < found.length && out.length < L.stackUrls; i++) {
      const cs = found[i];
      let url = apply(csFileName, cs, []);
      if (!url && csEvalOrigin !== null) {
        const origin = apply(csEvalOrigin, cs, []);
        const m = typeof origin === 'string' ? apply(reExec, EVAL_URL, [origin]) : null;
        url = m ? m[1] : null;
      }
      if (typeof url !== 'string' || !url) continue;
      let seen = false;
      for (let j = 0; j < out.length; j++) if (out[j] === url) { seen = true; break; }
      if (!seen) out[out.length] = url;
    }
    return out;
  }

  // --- the log ----------------------------------------------------------------------------
  let sendFn = null;
  function takeBinding() {
    if (sendFn !== null) return true;
    try {
      const d = getOwnPropertyDescriptor(G, CONFIG.binding);
      if (d && typeof d.value === 'function') {
        sendFn = d.value;
        delete G[CONFIG.binding];
        return true;
      }
    } catch (e) { /* not there yet */ }
    return false;
  }
  takeBinding();

  const urlIds = new NativeMap();
  let newUrls = arr();
  let buffer = arr();
  let repeats = new NativeMap();
  let overflow = new NativeMap();
  let unattributed = new NativeMap();
  let dropped = 0;
  let scheduled = false;
  let retries = 0;
  let announced = false;
  let records = 0;
  const recordIds = new NativeMap();
  const perApiScript = new NativeMap();
  const apiTotals = new NativeMap();

  function now() {
    return perfNow !== null ? timeOrigin + apply(perfNow, perf, []) : apply(dateNow, DateCtor, []);
  }
  function urlId(url) {
    let id = apply(mapGet, urlIds, [url]);
    if (id !== undefined) return id;
    if (apply(mapSize, urlIds, []) >= L.urls) return -1;
    id = apply(mapSize, urlIds, []) + 1;
    apply(mapSet, urlIds, [url, id]);
    const pair = arr();
    pair[0] = id; pair[1] = clip(url);
    newUrls[newUrls.length] = pair;
    return id;
  }
  function bump(map, key, n) {
    apply(mapSet, map, [key, (apply(mapGet, map, [key]) || 0) + n]);
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    apply(queueMicrotask_, G, [flush]);
  }
  function pairs(map) {
    const out = arr();
    apply(mapForEach, map, [function (value, key) {
      const p = arr(); p[0] = key; p[1] = value; out[out.length] = p;
    }]);
    return out;
  }
  function flush() {
    scheduled = false;
    if (buffer.length === 0 && newUrls.length === 0 && dropped === 0 &&
        apply(mapSize, repeats, []) === 0 && apply(mapSize, overflow, []) === 0 &&
        apply(mapSize, unattributed, []) === 0) return;
    if (!takeBinding()) {
      if (retries++ < 600) { scheduled = true; apply(setTimeout_, G, [flush, 50]); }
      return;
    }
    retries = 0;
    let payload = '{"v":1';
    if (!announced) {
      announced = true;
      payload += ',"realm":' + ser([IS_WORKER ? 'worker' : 'window', realmUrl]);
    }
    payload += ',"urls":' + ser(newUrls) + ',"calls":' + ser(buffer) +
      ',"repeats":' + ser(pairs(repeats)) + ',"overflow":' + ser(pairs(overflow)) +
      ',"unattributed":' + ser(pairs(unattributed)) + ',"dropped":' + dropped + '}';
    newUrls = arr(); buffer = arr(); dropped = 0;
    repeats = new NativeMap(); overflow = new NativeMap(); unattributed = new NativeMap();
    try { apply(sendFn, G, [payload]); } catch (e) { /* the page is going away */ }
  }

  // One call of a hooked API: counted always, recorded once per distinct (script, values).
  function emit(api, argv, res, ctx, topFn) {
    const total = (apply(mapGet, apiTotals, [api]) || 0) + 1;
    apply(mapSet, apiTotals, [api, total]);
    if (total > L.fullPerApi && total % L.sampleEvery !== 0) {
      bump(unattributed, api, 1);
      schedule();
      return;
    }
    const urls = stackUrls(topFn);
    const ids = arr();
    for (let i = 0; i < urls.length; i++) ids[i] = urlId(urls[i]);
    const head = ids.length ? ids[0] : 0;
    const key = api + '\u001f' + head + '\u001f' + ser(argv) + '\u001f' + ser(res) + '\u001f' + ser(ctx);
    const known = apply(mapGet, recordIds, [key]);
    if (known !== undefined) { bump(repeats, known, 1); schedule(); return; }
    const perKey = api + '\u001f' + head;
    const n = apply(mapGet, perApiScript, [perKey]) || 0;
    if (n >= L.distinctPerApiScript || records >= L.distinctPerRealm) {
      const k = arr(); k[0] = api; k[1] = head;
      bump(overflow, ser(k), 1);
      schedule();
      return;
    }
    apply(mapSet, perApiScript, [perKey, n + 1]);
    const id = ++records;
    apply(mapSet, recordIds, [key, id]);
    if (buffer.length >= L.buffer) {
      flush();  // a long burst within one task is sent in slices, not dropped
      if (buffer.length >= L.buffer) { dropped++; schedule(); return; }
    }
    const rec = arr();
    rec[0] = id; rec[1] = now(); rec[2] = api; rec[3] = ids; rec[4] = argv; rec[5] = res;
    rec[6] = ctx;
    buffer[buffer.length] = rec;
    schedule();
  }

  // --- hooking --------------------------------------------------------------------------
  const specs = new NativeWeakMap();   // native function -> what to do around it
  const natives = new NativeWeakMap(); // our proxy -> the native it stands for
  let busy = false;
  const SKIP = {};

  function applyTrap(target, thisArg, args) {
    const spec = apply(wmGet, specs, [target]);
    if (spec === undefined || busy) return apply(target, thisArg, args);
    if (spec.invoke !== undefined) return spec.invoke(target, thisArg, args);
    let pre;
    if (spec.before !== undefined) {
      busy = true;
      try { pre = spec.before(thisArg, args); } catch (e) { pre = SKIP; }
      busy = false;
      if (pre === SKIP) return apply(target, thisArg, args);
    }
    let result;
    let ok = false;
    try {
      result = apply(target, thisArg, args);
      ok = true;
      return result;
    } finally {
      if (!busy) {
        busy = true;
        try { spec.done(thisArg, args, ok ? result : undefined, pre); } catch (e) { /* never the page's problem */ }
        busy = false;
      }
    }
  }
  function constructTrap(target, args, newTarget) {
    const spec = apply(wmGet, specs, [target]);
    if (spec === undefined || busy || spec.construct === undefined) {
      return construct(target, args, newTarget);
    }
    return spec.construct(target, args, newTarget);
  }
  function getTrap(target, key, receiver) {
    if (key === SECRET) return apply(fnToString, target, []);
    return rget(target, key, receiver);
  }
  const handler = { apply: applyTrap, construct: constructTrap, get: getTrap };
  setPrototypeOf(handler, null);

  function wrap(fn, spec) {
    const proxy = new NativeProxy(fn, handler);
    apply(wmSet, specs, [fn, spec]);
    apply(wmSet, natives, [proxy, fn]);
    return proxy;
  }
  function hookMethod(obj, name, spec) {
    if (!obj) return;
    const d = getOwnPropertyDescriptor(obj, name);
    if (!d || typeof d.value !== 'function' || !d.configurable) return;
    d.value = wrap(d.value, spec);
    defineProperty(obj, name, d);
  }
  function hookAccessor(obj, name, which, spec) {
    if (!obj) return;
    const d = getOwnPropertyDescriptor(obj, name);
    if (!d || typeof d[which] !== 'function' || !d.configurable) return;
    d[which] = wrap(d[which], spec);
    defineProperty(obj, name, d);
  }
  function proto(name) {
    const ctor = own(G, name);
    return typeof ctor === 'function' ? own(ctor, 'prototype') : undefined;
  }
  function getter(obj, name) {
    if (!obj) return null;
    const d = getOwnPropertyDescriptor(obj, name);
    return d && typeof d.get === 'function' ? d.get : null;
  }
  function call(fn, self) {
    if (fn === null) return undefined;
    try { return apply(fn, self, []); } catch (e) { return undefined; }
  }

  // Spec builders: what to record for a call.
  function calls(api, argCount, extra) {
    return { done: function (self, args, res, pre) {
      const ctx = extra ? extra(self, args, res, pre) : null;
      emit(api, plainArgs(args, argCount), null, ctx, applyTrap);
    } };
  }
  function reads(api, withValue) {
    return { done: function (self, args, res) {
      emit(api, arr(), withValue ? describe(res) : null, null, applyTrap);
    } };
  }

  // --- Function.prototype.toString ---------------------------------------------------------
  hookMethod(FP, 'toString', { invoke: function (target, thisArg, args) {
    if (typeof thisArg === 'function') {
      const original = apply(wmGet, natives, [thisArg]);
      if (original !== undefined) return apply(target, original, args);
    }
    const text = apply(target, thisArg, args);
    if (text === PROXIED) {
      try {
        const other = thisArg[SECRET];
        if (typeof other === 'string') return other;
      } catch (e) { /* not one of ours */ }
    }
    return text;
  } });

  // --- canvas ------------------------------------------------------------------------------
  const canvasIds = new NativeWeakMap();
  let nextCanvas = 0;
  const C2D = proto('CanvasRenderingContext2D');
  const OC2D = proto('OffscreenCanvasRenderingContext2D');
  const HCE = proto('HTMLCanvasElement');
  const OC = proto('OffscreenCanvas');
  const sizeOf = [[getter(HCE, 'width'), getter(HCE, 'height')],
                  [getter(OC, 'width'), getter(OC, 'height')]];
  const ctxCanvas = [getter(C2D, 'canvas'), getter(OC2D, 'canvas')];
  const ctxFill = [getter(C2D, 'fillStyle'), getter(OC2D, 'fillStyle')];
  const ctxStroke = [getter(C2D, 'strokeStyle'), getter(OC2D, 'strokeStyle')];
  const ctxFont = [getter(C2D, 'font'), getter(OC2D, 'font')];

  function canvasInfo(canvas) {
    const out = arr();
    if (canvas === null || canvas === undefined || typeof canvas !== 'object') return out;
    let id = apply(wmGet, canvasIds, [canvas]);
    if (id === undefined) { id = ++nextCanvas; apply(wmSet, canvasIds, [canvas, id]); }
    out[0] = 'canvas'; out[1] = id;
    for (let i = 0; i < sizeOf.length; i++) {
      const w = call(sizeOf[i][0], canvas);
      if (typeof w === 'number') {
        out[2] = 'width'; out[3] = w; out[4] = 'height'; out[5] = call(sizeOf[i][1], canvas);
        break;
      }
    }
    return out;
  }
  function first(list, self) {
    for (let i = 0; i < list.length; i++) {
      const v = call(list[i], self);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  function style(v) {
    return typeof v === 'string' ? v : (v === undefined ? null : describe(v));
  }
  function ctxInfo(ctx, extra) {
    const out = canvasInfo(first(ctxCanvas, ctx));
    if (extra === 'fill' || extra === 'stroke') {
      out[out.length] = 'style';
      out[out.length] = style(first(extra === 'fill' ? ctxFill : ctxStroke, ctx));
    }
    if (extra !== null) {
      out[out.length] = 'font';
      out[out.length] = style(first(ctxFont, ctx));
    }
    return out;
  }
  for (const [name, canvasProto] of [['HTMLCanvasElement', HCE], ['OffscreenCanvas', OC]]) {
    for (const method of ['toDataURL', 'toBlob', 'convertToBlob', 'getContext', 'transferToImageBitmap']) {
      const argc = method === 'toBlob' ? 0 : 1;
      hookMethod(canvasProto, method, calls(name + '.' + method, argc,
        function (self) { return canvasInfo(self); }));
    }
  }
  for (const [name, p] of [['CanvasRenderingContext2D', C2D], ['OffscreenCanvasRenderingContext2D', OC2D]]) {
    hookMethod(p, 'getImageData', calls(name + '.getImageData', 4,
      function (self) { return ctxInfo(self, null); }));
    hookMethod(p, 'fillText', calls(name + '.fillText', 3,
      function (self) { return ctxInfo(self, 'fill'); }));
    hookMethod(p, 'strokeText', calls(name + '.strokeText', 3,
      function (self) { return ctxInfo(self, 'stroke'); }));
    hookMethod(p, 'measureText', calls(name + '.measureText', 1,
      function (self) { return ctxInfo(self, 'font'); }));
    for (const method of ['save', 'restore', 'isPointInPath']) {
      hookMethod(p, method, calls(name + '.' + method, 0,
        function (self) { return ctxInfo(self, null); }));
    }
    hookAccessor(p, 'font', 'set', { done: function (self, args) {
      // What the canvas kept: an invalid font string is ignored by the setter.
      const kept = first(ctxFont, self);
      emit(name + '.font', plainArgs(args, 1), style(kept), ctxInfo(self, null), applyTrap);
    } });
    for (const prop of ['fillStyle', 'strokeStyle']) {
      hookAccessor(p, prop, 'set', { done: function (self, args) {
        emit(name + '.' + prop, [style(args[0])], null, ctxInfo(self, null), applyTrap);
      } });
    }
  }

  // --- WebGL -------------------------------------------------------------------------------
  const GL_STRINGS = new NativeSet([7936, 7937, 7938, 35724, 37445, 37446]);
  for (const name of ['WebGLRenderingContext', 'WebGL2RenderingContext']) {
    const p = proto(name);
    hookMethod(p, 'getParameter', { done: function (self, args, res) {
      const pname = args[0];
      const keep = typeof pname === 'number' && apply(setHas, GL_STRINGS, [pname]);
      emit(name + '.getParameter', plainArgs(args, 1), keep ? describe(res) : null, null, applyTrap);
    } });
    hookMethod(p, 'getExtension', calls(name + '.getExtension', 1));
    hookMethod(p, 'getSupportedExtensions', calls(name + '.getSupportedExtensions', 0));
    hookMethod(p, 'readPixels', calls(name + '.readPixels', 4));
    hookMethod(p, 'getShaderPrecisionFormat', calls(name + '.getShaderPrecisionFormat', 2));
    hookMethod(p, 'getContextAttributes', calls(name + '.getContextAttributes', 0));
  }

  // --- audio -------------------------------------------------------------------------------
  function audioKind(self) {
    const out = arr();
    out[0] = 'context';
    out[1] = apply(strSlice, apply(objToString, self, []), [8, -1]);
    return out;
  }
  const BAC = proto('BaseAudioContext');
  for (const method of ['createOscillator', 'createDynamicsCompressor', 'createAnalyser']) {
    hookMethod(BAC, method, calls('BaseAudioContext.' + method, 0, audioKind));
  }
  hookMethod(proto('OfflineAudioContext'), 'startRendering', calls('OfflineAudioContext.startRendering', 0));
  hookAccessor(proto('AudioContext'), 'baseLatency', 'get', reads('AudioContext.baseLatency', true));
  for (const method of ['getChannelData', 'copyFromChannel']) {
    hookMethod(proto('AudioBuffer'), method, calls('AudioBuffer.' + method, 0));
  }
  for (const method of ['getFloatFrequencyData', 'getByteFrequencyData', 'getFloatTimeDomainData',
                        'getByteTimeDomainData']) {
    hookMethod(proto('AnalyserNode'), method, calls('AnalyserNode.' + method, 0));
  }

  // --- WebRTC ------------------------------------------------------------------------------
  const PC = proto('RTCPeerConnection');
  for (const method of ['createDataChannel', 'createOffer', 'setLocalDescription', 'createAnswer']) {
    hookMethod(PC, method, calls('RTCPeerConnection.' + method, method === 'createDataChannel' ? 1 : 0));
  }
  hookAccessor(PC, 'onicecandidate', 'set', calls('RTCPeerConnection.onicecandidate', 0));
  hookAccessor(PC, 'onicecandidate', 'get', reads('RTCPeerConnection.onicecandidate', false));
  hookAccessor(PC, 'localDescription', 'get', reads('RTCPeerConnection.localDescription', false));
  for (const prop of ['candidate', 'address']) {
    hookAccessor(proto('RTCIceCandidate'), prop, 'get', reads('RTCIceCandidate.' + prop, true));
  }
  hookAccessor(proto('RTCSessionDescription'), 'sdp', 'get', { done: function (self, args, res) {
    emit('RTCSessionDescription.sdp', arr(), typeof res === 'string' ? 'length ' + res.length : null,
      null, applyTrap);
  } });

  // --- navigator, screen, window, time zone, media queries ---------------------------------
  const NAV_PROPS = ['userAgent', 'appVersion', 'appName', 'appCodeName', 'platform', 'vendor',
    'vendorSub', 'product', 'productSub', 'language', 'languages', 'hardwareConcurrency',
    'deviceMemory', 'maxTouchPoints', 'cookieEnabled', 'doNotTrack', 'plugins', 'mimeTypes',
    'pdfViewerEnabled', 'webdriver', 'userAgentData', 'connection', 'onLine', 'oscpu', 'cpuClass',
    'buildID', 'mediaDevices', 'permissions', 'storage', 'keyboard', 'globalPrivacyControl'];
  for (const name of ['Navigator', 'WorkerNavigator']) {
    const p = proto(name);
    for (const prop of NAV_PROPS) hookAccessor(p, prop, 'get', reads('Navigator.' + prop, true));
    for (const method of ['getBattery', 'javaEnabled', 'getGamepads', 'requestMediaKeySystemAccess']) {
      hookMethod(p, method, calls('Navigator.' + method, 1));
    }
  }
  const UAD = proto('NavigatorUAData');
  hookMethod(UAD, 'getHighEntropyValues', { done: function (self, args) {
    let hints = null;
    if (isArray(args[0])) {
      hints = '';
      for (let i = 0; i < args[0].length && i < 20; i++) hints += (i ? ',' : '') + describe(args[0][i]);
    }
    emit('NavigatorUAData.getHighEntropyValues', [hints], null, null, applyTrap);
  } });
  for (const prop of ['brands', 'mobile', 'platform']) {
    hookAccessor(UAD, prop, 'get', reads('NavigatorUAData.' + prop, true));
  }
  hookMethod(proto('MediaDevices'), 'enumerateDevices', calls('MediaDevices.enumerateDevices', 0));
  hookMethod(proto('Permissions'), 'query', { done: function (self, args) {
    const q = args[0];
    const name = q !== null && typeof q === 'object' ? own(q, 'name') : undefined;
    emit('Permissions.query', [describe(name)], null, null, applyTrap);
  } });
  hookMethod(proto('SpeechSynthesis'), 'getVoices', calls('SpeechSynthesis.getVoices', 0));
  hookMethod(proto('Clipboard'), 'readText', calls('Clipboard.readText', 0));
  hookMethod(proto('Clipboard'), 'read', calls('Clipboard.read', 0));
  const SCR = proto('Screen');
  for (const prop of ['width', 'height', 'availWidth', 'availHeight', 'availLeft', 'availTop',
                      'colorDepth', 'pixelDepth', 'orientation', 'isExtended']) {
    hookAccessor(SCR, prop, 'get', reads('Screen.' + prop, true));
  }
  if (!IS_WORKER) {
    for (const prop of ['devicePixelRatio', 'outerWidth', 'outerHeight', 'screenX', 'screenY',
                        'localStorage', 'sessionStorage', 'indexedDB']) {
      hookAccessor(G, prop, 'get', reads('Window.' + prop, prop !== 'localStorage' &&
        prop !== 'sessionStorage' && prop !== 'indexedDB'));
    }
    hookMethod(G, 'matchMedia', { done: function (self, args, res) {
      let matches = null;
      try { matches = call(getter(proto('MediaQueryList'), 'matches'), res); } catch (e) { matches = null; }
      emit('Window.matchMedia', plainArgs(args, 1), typeof matches === 'boolean' ? matches : null,
        null, applyTrap);
    } });
  } else {
    hookAccessor(G, 'indexedDB', 'get', reads('Window.indexedDB', false));
  }
  const INTL = own(G, 'Intl');
  for (const name of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules',
                      'RelativeTimeFormat', 'ListFormat', 'DisplayNames', 'Segmenter']) {
    const ctor = own(INTL, name);
    const p = typeof ctor === 'function' ? own(ctor, 'prototype') : undefined;
    hookMethod(p, 'resolvedOptions', { done: function (self, args, res) {
      let value = null;
      if (res !== null && typeof res === 'object') {
        value = describe(own(res, 'locale'));
        const tz = own(res, 'timeZone');
        if (tz !== undefined) value += ' ' + describe(tz);
      }
      emit('Intl.' + name + '.resolvedOptions', arr(), value, null, applyTrap);
    } });
  }
  hookMethod(own(DateCtor, 'prototype'), 'getTimezoneOffset', reads('Date.getTimezoneOffset', true));

  // --- fonts ---------------------------------------------------------------------------------
  const FFS = proto('FontFaceSet');
  hookMethod(FFS, 'check', calls('FontFaceSet.check', 1));
  hookMethod(FFS, 'load', calls('FontFaceSet.load', 1));
  if (!IS_WORKER) {
    hookAccessor(proto('Document'), 'fonts', 'get', reads('Document.fonts', false));
    // Element size reads used to probe fonts: only reads of an element whose inline
    // style names a font family are recorded (that check is cheap; a stack is not).
    const styleGet = getter(proto('HTMLElement'), 'style');
    const CSSD = proto('CSSStyleDeclaration');
    const getPropertyValue = own(CSSD, 'getPropertyValue');
    const fontFamilyOf = function (el) {
      const st = call(styleGet, el);
      if (st === undefined || st === null || typeof getPropertyValue !== 'function') return '';
      try { return apply(getPropertyValue, st, ['font-family']); } catch (e) { return ''; }
    };
    const sizeRead = function (api) {
      return {
        before: function (self) {
          const family = fontFamilyOf(self);
          return typeof family === 'string' && family ? family : SKIP;
        },
        done: function (self, args, res, family) {
          const ctx = arr(); ctx[0] = 'font-family'; ctx[1] = clip(family);
          emit(api, arr(), null, ctx, applyTrap);
        },
      };
    };
    for (const prop of ['offsetWidth', 'offsetHeight']) {
      hookAccessor(proto('HTMLElement'), prop, 'get', sizeRead('HTMLElement.' + prop));
    }
    for (const prop of ['clientWidth', 'clientHeight', 'scrollWidth', 'scrollHeight']) {
      hookAccessor(proto('Element'), prop, 'get', sizeRead('Element.' + prop));
    }
    hookMethod(proto('Element'), 'getBoundingClientRect', sizeRead('Element.getBoundingClientRect'));
  }

  // --- storage and cookies -----------------------------------------------------------------
  if (!IS_WORKER) {
    const DOC = proto('Document');
    hookAccessor(DOC, 'cookie', 'get', reads('Document.cookie', false));
    hookAccessor(DOC, 'cookie', 'set', { done: function (self, args) {
      const text = typeof args[0] === 'string' ? args[0] : '';
      const eq = apply(strIndexOf, text, ['=']);
      emit('Document.cookie.set', [clip(eq >= 0 ? apply(strSlice, text, [0, eq]) : text)], null,
        null, applyTrap);
    } });
    const ST = proto('Storage');
    for (const method of ['getItem', 'setItem', 'removeItem']) {
      hookMethod(ST, method, calls('Storage.' + method, 1));
    }
  }

  // --- listeners, observers, typed values --------------------------------------------------
  const WATCHED = new NativeSet(['keydown', 'keyup', 'keypress', 'input', 'beforeinput', 'change',
    'textInput', 'compositionend', 'paste', 'copy', 'cut', 'mousemove', 'mousedown', 'mouseup',
    'click', 'pointermove', 'pointerdown', 'pointerup', 'touchstart', 'touchmove', 'wheel',
    'scroll', 'focus', 'blur', 'focusin', 'focusout', 'submit', 'selectionchange',
    'visibilitychange', 'icecandidate']);
  const DOCUMENT = IS_WORKER ? undefined : G.document;
  const tagGet = getter(proto('Element'), 'tagName');
  const idGet = getter(proto('Element'), 'id');
  const typeGet = getter(proto('HTMLInputElement'), 'type');
  const nameGet = getter(proto('HTMLInputElement'), 'name');
  function describeTarget(t) {
    if (t === G) return IS_WORKER ? 'worker' : 'window';
    if (DOCUMENT !== undefined && t === DOCUMENT) return 'document';
    const tag = call(tagGet, t);
    if (typeof tag === 'string') {
      let out = apply(strToLower, tag, []);
      const id = call(idGet, t);
      if (typeof id === 'string' && id) out += '#' + clip(id);
      const type = call(typeGet, t);
      if (typeof type === 'string') out += '[' + type + ']';
      return out;
    }
    if (t !== null && (typeof t === 'object' || typeof t === 'function')) {
      return apply(strSlice, apply(objToString, t, []), [8, -1]);
    }
    return typeof t;
  }
  function targetCtx(t) {
    const out = arr(); out[0] = 'target'; out[1] = describeTarget(t);
    return out;
  }
  hookMethod(proto('EventTarget'), 'addEventListener', {
    before: function (self, args) {
      return typeof args[0] === 'string' && apply(setHas, WATCHED, [args[0]]) ? null : SKIP;
    },
    done: function (self, args) { emit('EventTarget.addEventListener', [args[0]], null, targetCtx(self), applyTrap); },
  });
  const HANDLERS = ['onkeydown', 'onkeyup', 'onkeypress', 'oninput', 'onbeforeinput', 'onchange',
    'onpaste', 'oncopy', 'oncut', 'onmousemove', 'onmousedown', 'onclick', 'onpointermove',
    'onscroll', 'onsubmit'];
  const handlerHosts = IS_WORKER ? [] : [proto('HTMLElement'), proto('Document'), G];
  for (const host of handlerHosts) {
    for (const prop of HANDLERS) {
      hookAccessor(host, prop, 'set', { done: function (self, args) {
        emit('EventTarget.addEventListener', [apply(strSlice, prop, [2])], null, targetCtx(self), applyTrap);
      } });
    }
  }
  hookMethod(proto('MutationObserver'), 'observe', { done: function (self, args) {
    const opts = args[1];
    let flags = '';
    if (opts !== null && typeof opts === 'object') {
      for (const key of ['childList', 'attributes', 'characterData', 'subtree',
                         'attributeOldValue', 'characterDataOldValue']) {
        if (own(opts, key) === true) flags += (flags ? ',' : '') + key;
      }
    }
    const ctx = targetCtx(args[0]);
    ctx[2] = 'options'; ctx[3] = flags;
    emit('MutationObserver.observe', arr(), null, ctx, applyTrap);
  } });
  const TEXTLIKE = new NativeSet(['text', 'email', 'password', 'tel', 'search', 'url', 'number', '']);
  hookAccessor(proto('HTMLInputElement'), 'value', 'get', {
    before: function (self) {
      const type = call(typeGet, self);
      return typeof type === 'string' && apply(setHas, TEXTLIKE, [type]) ? null : SKIP;
    },
    done: function (self) {
      const ctx = targetCtx(self);
      const name = call(nameGet, self);
      if (typeof name === 'string' && name) { ctx[2] = 'name'; ctx[3] = clip(name); }
      emit('HTMLInputElement.value', arr(), null, ctx, applyTrap);
    },
  });
  hookAccessor(proto('HTMLTextAreaElement'), 'value', 'get', { done: function (self) {
    emit('HTMLTextAreaElement.value', arr(), null, targetCtx(self), applyTrap);
  } });
  for (const prop of ['key', 'code', 'keyCode']) {
    hookAccessor(proto('KeyboardEvent'), prop, 'get', reads('KeyboardEvent.' + prop, false));
  }

  // --- workers: blob workers get this script prepended, so it runs before their code -------
  const NativeURL = own(G, 'URL');
  const NativeBlob = own(G, 'Blob');
  const createObjectURL = own(NativeURL, 'createObjectURL');
  const atob_ = own(G, 'atob');
  const btoa_ = own(G, 'btoa');
  const encodeURIComponent_ = own(G, 'encodeURIComponent');
  const blobs = new NativeMap();
  if (typeof createObjectURL === 'function') {
    hookMethod(NativeURL, 'createObjectURL', { done: function (self, args, res) {
      const blob = args[0];
      if (typeof res !== 'string') return;
      const isBlob = blob !== null && typeof blob === 'object' &&
        apply(objToString, blob, []) === '[object Blob]';
      if (isBlob && apply(mapSize, blobs, []) < 1000) apply(mapSet, blobs, [res, blob]);
      emit('URL.createObjectURL', [isBlob ? 'Blob' : describe(blob)], clip(res), null, applyTrap);
    } });
  }
  const NativeWorker = own(G, 'Worker');
  if (typeof NativeWorker === 'function' && typeof NativeBlob === 'function') {
    const wd = getOwnPropertyDescriptor(G, 'Worker');
    // The script a worker will run, with this instrumentation first: blob workers get a new
    // blob, data: workers a new data: URL (same opaque origin). Workers loaded from a URL get
    // the hooks through the DevTools protocol instead (see the Python side).
    const hrefGet = getter(proto('URL'), 'href');
    const withHooks = function (url) {
      if (apply(strIndexOf, url, ['blob:']) === 0) {
        const blob = apply(mapGet, blobs, [url]);
        if (blob === undefined) return null;
        const parts = arr();
        parts[0] = SELF_SOURCE; parts[1] = blob;
        setPrototypeOf(parts, ArrayProto);
        return apply(createObjectURL, NativeURL,
          [construct(NativeBlob, [parts, { type: 'text/javascript' }])]);
      }
      if (apply(strIndexOf, url, ['data:']) === 0 && atob_ !== undefined && btoa_ !== undefined) {
        const comma = apply(strIndexOf, url, [',']);
        if (comma < 0) return null;
        const head = apply(strSlice, url, [0, comma]);
        const body = apply(strSlice, url, [comma + 1]);
        if (apply(strIndexOf, head, [';base64']) >= 0) {
          return head + ',' + apply(btoa_, G, [SELF_SOURCE + apply(atob_, G, [body])]);
        }
        return head + ',' + apply(encodeURIComponent_, G, [SELF_SOURCE]) + body;
      }
      return null;
    };
    const workerSpec = { done: function () {}, construct: function (target, args, newTarget) {
      let given = args;
      let url = args[0];
      if (url !== null && typeof url === 'object' && apply(objToString, url, []) === '[object URL]') {
        url = call(hrefGet, url);
      }
      if (typeof url === 'string') {
        busy = true;
        try {
          const replaced = withHooks(url);
          if (replaced !== null) {
            given = arr();
            for (let i = 0; i < args.length; i++) given[i] = args[i];
            given[0] = replaced;
            setPrototypeOf(given, ArrayProto);
          }
          emit('Worker', [clip(url)], replaced === null ? null : clip(replaced), null, constructTrap);
        } catch (e) {
          given = args;
        } finally {
          busy = false;
        }
      }
      return construct(target, given, newTarget);
    } };
    if (wd && wd.configurable && 'value' in wd) {
      const proxy = wrap(NativeWorker, workerSpec);
      wd.value = proxy;
      defineProperty(G, 'Worker', wd);
      const cd = getOwnPropertyDescriptor(NativeWorker.prototype, 'constructor');
      if (cd && cd.configurable) { cd.value = proxy; defineProperty(NativeWorker.prototype, 'constructor', cd); }
    }
  }
})(/*CONFIG*/);
"""
