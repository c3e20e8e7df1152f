// The integration FingerprintJS documents: load the agent, get the visitor id, send it home.
FingerprintJS.load().then(function (fp) { return fp.get(); }).then(function (result) {
  fetch('/collect/visitor', {method: 'POST', body: result.visitorId});
});
