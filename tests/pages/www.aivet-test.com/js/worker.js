onmessage = function () {
  fetch("http://worker.aivet-third.net/collect/from-worker", {mode: "no-cors"});
};
