// Actions for the operator holding the admin token: add an app, deploy (the app's defaults filled in), undeploy,
// refresh profiles. Forms validate in the browser and show the API's error next to the field it names.
import { $, options } from './dom.js';
import { send, token } from './api.js';

function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  form.querySelector('.form-status').textContent = '';
}

function showError(form, err) {
  const input = err.field && form.querySelector('[name="' + CSS.escape(err.field) + '"]');
  const msg = (err.field ? err.field + ': ' : '') + err.message;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    $(input.id + '-error').textContent = msg;
    input.focus();
  }
  const status = form.querySelector('.form-status');
  status.textContent = msg;
  status.className = 'form-status error';
}

function handle(form, build, done) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!form.reportValidity()) return;
    const status = form.querySelector('.form-status');
    try {
      const [method, path, body, said] = build(new FormData(form));
      await send(method, path, body);
      status.textContent = said;
      status.className = 'form-status ok';
      done();
    } catch (e) {
      showError(form, e);
    }
  });
}

const n = (v) => (v === '' || v == null ? undefined : Number(v));

export function setupActions(state, redraw) {
  const tokenForm = $('token-form');
  const sync = () => {
    const has = Boolean(token.get());
    $('actions-fields').disabled = !has;
    $('token-state').textContent = has ? 'admin token set (this tab only)' : 'read-only: enter the admin token to act';
    $('token-clear').hidden = !has;
  };
  tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    token.set($('token').value.trim());
    $('token').value = '';
    sync();
    redraw();
  });
  $('token-clear').addEventListener('click', () => {
    token.set('');
    sync();
    redraw();
  });
  sync();

  handle($('add-app'), (f) => ['POST', '/v1/apps', { image: f.get('image') }, 'app registered'], redraw);
  handle(
    $('deploy'),
    (f) => [
      'POST',
      '/v1/deployments',
      {
        name: f.get('name'),
        app: f.get('app'),
        fps: n(f.get('fps')),
        latencyMs: n(f.get('latencyMs')),
        priority: n(f.get('priority')),
      },
      'deployment ' + f.get('name') + ' added',
    ],
    redraw,
  );
  handle(
    $('undeploy'),
    (f) => [
      'DELETE',
      '/v1/deployments/' + encodeURIComponent(f.get('deployment')),
      undefined,
      'deployment ' + f.get('deployment') + ' removed',
    ],
    redraw,
  );
  handle($('refresh'), () => ['POST', '/v1/profiles/refresh', { force: true }, 'profiling started'], redraw);

  $('deploy-app').addEventListener('change', () => {
    const app = state.apps.find((a) => a.name === $('deploy-app').value);
    const d = (app && app.defaults) || {};
    $('deploy-fps').value = d.fps ?? '';
    $('deploy-latencyMs').value = d.latencyMs ?? '';
    $('deploy-priority').value = d.priority ?? '';
  });
  return sync;
}

export function drawActions(state) {
  const before = $('deploy-app').value;
  options(
    $('deploy-app'),
    state.apps.map((a) => a.name),
    'choose an app',
  );
  if ($('deploy-app').value !== before) $('deploy-app').dispatchEvent(new Event('change'));
  options(
    $('undeploy-name'),
    state.deployments.map((d) => d.name),
    'choose a deployment',
  );
}
