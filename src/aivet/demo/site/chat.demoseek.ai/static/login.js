// DemoSeek login page (first-party, readable): tabs, password or SMS code, submit.
(function () {
  var secret = 'password';

  function show(el, visible) { el.classList.toggle('hidden', !visible); }

  document.querySelectorAll('.tab').forEach(function (button) {
    button.addEventListener('click', function () {
      var tab = button.getAttribute('data-tab');
      document.querySelectorAll('.tab').forEach(function (b) {
        b.setAttribute('aria-selected', String(b === button));
      });
      document.querySelectorAll('.panel').forEach(function (panel) {
        show(panel, panel.getAttribute('data-panel') === tab);
      });
    });
  });

  var switcher = document.getElementById('switch-secret');
  switcher.addEventListener('click', function () {
    secret = secret === 'password' ? 'code' : 'password';
    document.querySelectorAll('[data-secret]').forEach(function (el) {
      show(el, el.getAttribute('data-secret') === secret);
    });
    switcher.textContent = secret === 'password' ? 'Log in with SMS code' : 'Log in with password';
  });

  document.getElementById('send-code').addEventListener('click', function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    button.textContent = 'Sent (demo: any 6 digits)';
  });

  function value(form, name) {
    var el = form.elements.namedItem(name);
    return el ? String(el.value).trim() : '';
  }

  function deviceId() {
    var id = localStorage.getItem('ds_device_id');
    if (!id) {
      id = 'web-' + Math.random().toString(36).slice(2, 12);
      localStorage.setItem('ds_device_id', id);
    }
    return id;
  }

  function login(form, body, method) {
    var errorBox = form.querySelector('.error');
    var submitButton = form.querySelector('button[type=submit]');
    errorBox.textContent = '';
    submitButton.disabled = true;
    fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok || result.data.code !== 0) throw new Error(result.data.msg || 'Login failed');
      window._hmt.push(['_trackEvent', 'login', 'success', method]);
      window.location.href = '/chat';
    }).catch(function (err) {
      errorBox.textContent = err.message || 'Login failed, please try again.';
      submitButton.disabled = false;
    });
  }

  var phoneForm = document.getElementById('login-form');
  phoneForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { os: 'web', device_id: deviceId(), area_code: value(phoneForm, 'area_code'),
                 mobile: value(phoneForm, 'mobile') };
    if (secret === 'password') body.password = value(phoneForm, 'password');
    else body.code = value(phoneForm, 'code');
    if (!body.mobile) {
      phoneForm.querySelector('.error').textContent = 'Please enter your phone number.';
      return;
    }
    login(phoneForm, body, 'phone-' + secret);
  });

  var emailForm = document.getElementById('email-login-form');
  emailForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { os: 'web', device_id: deviceId(), email: value(emailForm, 'email'),
                 password: value(emailForm, 'password') };
    if (!body.email) {
      emailForm.querySelector('.error').textContent = 'Please enter your email address.';
      return;
    }
    login(emailForm, body, 'email');
  });

  deviceId();
})();
