/**
 * The status page's browser script, as a string served inline. It reads the
 * public /v1 API, redraws on every server-sent event (debounced) and every
 * 5 s as a fallback, and escapes every value it shows.
 */
export const pageScript = String.raw`
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const num = (v, d = 1) => (typeof v === 'number' && isFinite(v)) ? v.toFixed(d) : '–';
async function get(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(path + ': ' + r.status);
  return r.json();
}
function table(rows, cols, empty) {
  if (!rows.length) return '<p class="empty">' + esc(empty) + '</p>';
  return '<table><thead><tr>' + cols.map((c) => '<th>' + esc(c[0]) + '</th>').join('') + '</tr></thead><tbody>' +
    rows.map((r) => '<tr>' + cols.map((c) => '<td>' + c[1](r) + '</td>').join('') + '</tr>').join('') + '</tbody></table>';
}
const pill = (s) => '<span class="pill s-' + esc(s) + '">' + esc(s) + '</span>';
async function draw() {
  const [cluster, nodes, apps, deployments, plan, profiles] = await Promise.all([
    get('/v1/cluster'), get('/v1/nodes'), get('/v1/apps'), get('/v1/deployments'),
    get('/v1/plan').catch(() => null), get('/v1/profiles').catch(() => []),
  ]);
  const details = await Promise.all(nodes.map((n) => get('/v1/nodes/' + encodeURIComponent(n.id)).catch(() => ({ id: n.id, replicas: null }))));
  $('title').textContent = 'Rim · ' + (cluster.name || 'cluster');
  $('summary').innerHTML = 'leader <b>' + esc(cluster.leader ?? 'none') + '</b> · term ' + esc(cluster.term) +
    ' · ' + cluster.members.length + ' member(s) · state v' + esc(cluster.version ?? '–');
  // Each box's own view of its Docker engine (in a cluster, /v1/nodes/:id asks that box).
  const dockerDown = [...(cluster.members || []), ...details].filter((m, i, all) =>
    m.docker && m.docker.reachable === false && all.findIndex((x) => x.id === m.id && x.docker) === i);
  $('banner').hidden = dockerDown.length === 0;
  $('banner').textContent = dockerDown.map((m) => m.id + ': Docker engine unreachable — ' + (m.docker.status || '')).join(' · ');
  $('members').innerHTML = table(cluster.members, [
    ['node', (m) => esc(m.id) + (m.self ? ' <i>(this box)</i>' : '')], ['address', (m) => esc(m.address)],
    ['state', (m) => pill(m.state)], ['role', (m) => m.id === cluster.leader ? pill('leader') : 'follower'],
  ], 'no members');
  $('nodes').innerHTML = table(nodes, [
    ['node', (n) => esc(n.id)], ['cores', (n) => esc(n.cpus)], ['memory', (n) => num((n.memoryMB || 0) / 1024) + ' GiB'],
    ['accelerators', (n) => (n.accelerators || []).map((a) => esc(a.model) + ' <small>' + esc(a.id) + '</small>' +
      (a.emulated ? ' <span class="pill s-emulated" title="a CPU slice treated as this GPU model">emulated · ' + esc(a.cpus) + ' cpu</span>' : '')).join('<br>') || 'CPU only'],
  ], 'no nodes');
  const replicas = details.flatMap((d) => (d.replicas || []).map((r) => ({ ...r, node: d.id })));
  const unknown = details.filter((d) => !Array.isArray(d.replicas)).map((d) => d.id);
  $('replicas').innerHTML = table(replicas, [
    ['node', (r) => esc(r.node)],
    ['replica', (r) => esc(r.app) + '/' + esc(r.module) + (r.variant && r.variant !== 'default' ? ' <small>(' + esc(r.variant) + ')</small>' : '')],
    ['accelerator', (r) => esc(r.accelerator)], ['port', (r) => esc(r.port)], ['state', (r) => pill(r.state)],
    ['restarts', (r) => esc(r.restarts)], ['container', (r) => '<code>' + esc((r.containerId || '').slice(0, 12)) + '</code>'],
  ], 'no replicas') + (unknown.length ? '<p class="empty">replicas unknown (member unreachable): ' + esc(unknown.join(', ')) + '</p>' : '');
  $('apps').innerHTML = table(apps, [
    ['app', (a) => esc(a.name)], ['image', (a) => '<code>' + esc(a.image) + '</code>'],
    ['modules', (a) => a.modules.map((m) => esc(m.name) + ' <small>' + esc(m.accelerator) + '</small>').join(' → ')],
  ], 'no apps registered');
  $('deployments').innerHTML = table(deployments, [
    ['deployment', (d) => esc(d.name)], ['app', (d) => esc(d.app)], ['target', (d) => esc(d.fps) + ' fps · ' + esc(d.latencyMs) + ' ms'],
    ['priority', (d) => esc(d.priority)], ['state', (d) => pill(d.state) + (d.reason ? ' <small>' + esc(d.reason) + '</small>' : '')],
    ['estimate', (d) => num(d.latencyEstimateMs) + ' ms'],
    ['measured', (d) => d.measured && d.measured.fps != null ? num(d.measured.fps) + ' fps · p95 ' + num(d.measured.latencyMs.p95) + ' ms' : '–'],
    ['placed on', (d) => (d.placement || []).map((p) => esc(p.module) + '@' + esc(p.node) + '/' + esc(p.accelerator)).join(', ')],
  ], 'no deployments');
  const util = plan && plan.utilisation ? Object.entries(plan.utilisation) : [];
  $('plan').innerHTML = plan ? ('strategy <b>' + esc(plan.strategy) + '</b> · ' + plan.placements.length + ' placement(s) · ' +
    plan.rejected.length + ' rejected' + (util.length ? ' · ' + util.map(([k, u]) => esc(k) + ' ' + num(u * 100, 0) + '%').join(', ') : '')) : 'no plan yet';
  $('profiles').innerHTML = table(profiles, [
    ['app/module', (p) => esc(p.app) + '/' + esc(p.module) + (p.variant ? ' <small>(' + esc(p.variant) + ')</small>' : '')],
    ['accelerator', (p) => esc(p.accelerator)], ['max fps', (p) => num(p.maxFps)], ['latency', (p) => num(p.latencyMs) + ' ms'],
    ['state', (p) => pill(p.state || 'ok') + (p.reason ? ' <small>' + esc(p.reason) + '</small>' : '')],
  ], 'no profiles yet');
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  document.body.dataset.ready = 'true';
}
let pending = null;
function redraw() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; draw().catch((e) => { $('updated').textContent = 'error: ' + e.message; }); }, 150);
}
const live = new EventSource('/v1/events');
live.onopen = () => { $('live').textContent = 'live'; $('live').className = 'pill s-running'; };
live.onerror = () => { $('live').textContent = 'reconnecting'; $('live').className = 'pill s-backoff'; };
let heard = 0;
// Counts the events heard (body data-events), so a test can tell a live redraw from the fallback poll.
const onEvent = () => { document.body.dataset.events = String(++heard); redraw(); };
for (const t of ['replica', 'app', 'deployment', 'plan', 'docker', 'cluster', 'profile', 'member']) live.addEventListener(t, onEvent);
setInterval(redraw, 5000);
redraw();
`;
