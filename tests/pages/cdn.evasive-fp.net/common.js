// Shared by the evasion scripts: report whether the script believes it is watched, and make
// a fresh (optionally sandboxed) frame.
window.evasion = {
  report: function (name, watched) {
    navigator.sendBeacon('http://cdn.evasive-fp.net/collect/belief?name=' + name + '&watched=' + watched, '');
  },
  frame: function (sandbox) {
    var frame = document.createElement('iframe');
    if (sandbox) frame.setAttribute('sandbox', sandbox);
    frame.style.display = 'none';
    document.body.appendChild(frame);
    return frame.contentWindow;
  },
};
