// Profiles per module × accelerator model: state, figures, failures with their reasons, and progress.
import { esc, num, pill } from './dom.js';

export function drawProfiles(el, profiles, status, apps) {
  const models = [...new Set(profiles.map((p) => p.accelerator))].sort();
  const key = (p) => p.app + '/' + p.module + (p.variant && p.variant !== 'default' ? ' (' + p.variant + ')' : '');
  const rows = [...new Set(profiles.map(key))].sort();
  const wanted = apps.reduce((n, a) => n + a.modules.length, 0) * Math.max(1, models.length);
  const ok = profiles.filter((p) => p.state === 'ok').length;
  const failed = profiles.filter((p) => p.state === 'failed').length;
  const progress =
    '<p><label for="profile-progress">profiled</label> <progress id="profile-progress" max="' +
    Math.max(wanted, ok, 1) +
    '" value="' +
    ok +
    '"></progress> ' +
    ok +
    ' ok · ' +
    failed +
    ' failed' +
    (status
      ? (status.running ? ' · profiling ' + esc(status.current || '') : ' · idle') +
        (status.queued ? ' · ' + esc(status.queued) + ' queued' : '') +
        (status.enabled === false ? ' · disabled' : '')
      : '') +
    '</p>';
  if (!rows.length) {
    el.innerHTML = progress + '<p class="empty">no profiles yet</p>';
    return;
  }
  el.innerHTML =
    progress +
    '<table><caption class="sr">profiles by module and accelerator model</caption>' +
    '<thead><tr><th scope="col">app/module</th>' +
    models.map((m) => '<th scope="col">' + esc(m) + '</th>').join('') +
    '</tr></thead><tbody>' +
    rows
      .map(
        (r) =>
          '<tr><th scope="row">' +
          esc(r) +
          '</th>' +
          models
            .map((m) => {
              const p = profiles.find((x) => key(x) === r && x.accelerator === m);
              if (!p) return '<td>' + pill('pending', 'not measured') + '</td>';
              const figures = p.state === 'ok' ? num(p.maxFps) + ' fps · ' + num(p.latencyMs) + ' ms' : '';
              return (
                '<td>' +
                pill(p.state) +
                ' ' +
                figures +
                (p.reason ? ' <small class="reason">' + esc(p.reason) + '</small>' : '') +
                '</td>'
              );
            })
            .join('') +
          '</tr>',
      )
      .join('') +
    '</tbody></table>';
}
