// A cross-origin frame created from script after the page started.
var frame = document.createElement('iframe');
frame.src = 'http://dyn.fp-iframe.net/frame.html';
document.body.appendChild(frame);
