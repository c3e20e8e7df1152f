// Ordinary uses of canvas text, emoji detection and key listeners.
new Chart(document.getElementById('chart'), {
  type: 'bar',
  data: {
    labels: ['January', 'February', 'March', 'April', 'May', 'June'],
    datasets: [
      {label: 'Questions asked', data: [12, 19, 3, 5, 2, 3], backgroundColor: '#36a2eb'},
      {label: 'Answers rated', data: [7, 11, 5, 8, 3, 7], backgroundColor: '#ff6384'},
    ],
  },
  options: {animation: false, plugins: {title: {display: true, text: 'Usage by month'}}},
});
var supported = ['😀', '🫠', '🇫🇷', '👩‍👩‍👧‍👦', '🧑🏽‍🚀'].filter(function (e) {
  return isSupportedEmoji.isEmojiSupported(e);
});
document.getElementById('emoji').textContent = 'Emoji supported: ' + supported.join(' ');
var quill = new Quill('#editor', {theme: 'snow', placeholder: 'Ask anything'});
quill.on('text-change', function () { window.draftLength = quill.getLength(); });
