// AudioContext fingerprinting (Englehardt & Narayanan, CCS 2016, section 6.3): an
// oscillator through a compressor, rendered offline, the samples read back.
(function () {
  var context = new OfflineAudioContext(1, 5000, 44100);
  var oscillator = context.createOscillator();
  oscillator.type = 'triangle';
  oscillator.frequency.value = 10000;
  var compressor = context.createDynamicsCompressor();
  compressor.threshold.value = -50;
  compressor.knee.value = 40;
  compressor.ratio.value = 12;
  oscillator.connect(compressor);
  compressor.connect(context.destination);
  oscillator.start(0);
  context.startRendering().then(function (buffer) {
    var samples = buffer.getChannelData(0);
    var sum = 0;
    for (var i = 4500; i < 5000; i++) sum += Math.abs(samples[i]);
    navigator.sendBeacon('http://cdn.fp-vendor.net/collect/audio', String(sum));
  });
})();
