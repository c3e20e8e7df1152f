// The integrations ThumbmarkJS and ClientJS document in their READMEs.
new ThumbmarkJS.Thumbmark().get().then(function (result) {
  fetch('/collect/thumbmark', {method: 'POST', body: result.thumbmark});
});
var client = new ClientJS();
fetch('/collect/clientjs', {method: 'POST', body: String(client.getFingerprint())});
