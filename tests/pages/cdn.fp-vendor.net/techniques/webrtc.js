// WebRTC local IP discovery: a data channel makes the browser gather ICE candidates,
// which carry the machine's addresses (or mDNS names that stand for them).
(function () {
  var pc = new RTCPeerConnection({iceServers: []});
  pc.createDataChannel('');
  pc.onicecandidate = function (event) {
    if (event && event.candidate) {
      var line = event.candidate.candidate;
      navigator.sendBeacon('http://cdn.fp-vendor.net/collect/ip', line);
    }
  };
  pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); });
})();
