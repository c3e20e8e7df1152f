// DemoSeek chat page (first-party, readable). Typing a prompt sends nothing
// anywhere; submitting it posts it to this site's /api/chat only.
(function () {
  var form = document.getElementById('chat-form');
  var input = document.getElementById('chat-input');
  var messages = document.getElementById('messages');
  var token = '';

  function randomId() {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === 'x' ? r : (r & 0x3 | 0x8)).toString(16);
    });
  }

  function conversation() {
    var saved = sessionStorage.getItem('ds_chat_session');
    if (saved) {
      try { return JSON.parse(saved); } catch (e) { /* start a new one */ }
    }
    var fresh = { id: randomId(), created: Date.now() };
    sessionStorage.setItem('ds_chat_session', JSON.stringify(fresh));
    return fresh;
  }

  var current = conversation();

  fetch('/api/user', { credentials: 'same-origin' }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (data) {
    if (!data || data.code !== 0) return;
    token = data.data.token;
    localStorage.setItem('userToken', JSON.stringify({ value: token, __version__: '0' }));
    document.getElementById('account').textContent = data.data.user.display;
  }).catch(function () { /* guest */ });

  function add(role, text) {
    var welcome = document.getElementById('welcome');
    if (welcome) welcome.remove();
    var el = document.createElement('div');
    el.className = 'msg ' + role;
    el.textContent = text;
    messages.appendChild(el);
    messages.scrollTop = messages.scrollHeight;
  }

  function send() {
    var prompt = input.value.trim();
    if (!prompt) return;
    add('user', prompt);
    input.value = '';
    var headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    fetch('/api/chat', {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: JSON.stringify({ conversation_id: current.id, prompt: prompt })
    }).then(function (response) { return response.json(); }).then(function (data) {
      add('assistant', data.code === 0 ? data.data.reply : (data.msg || 'Something went wrong.'));
    }).catch(function () { add('assistant', 'Network error, please try again.'); });
  }

  form.addEventListener('submit', function (event) { event.preventDefault(); send(); });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });
  document.getElementById('new-chat').addEventListener('click', function () {
    sessionStorage.removeItem('ds_chat_session');
    current = conversation();
    messages.innerHTML = '';
  });
})();
