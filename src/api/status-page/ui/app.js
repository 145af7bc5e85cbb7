// The status page: reads the public /v1 API, redraws on every server-sent event (debounced) and every 5 s
// as a fallback, keeps a short history for the sparklines. With reads closed it asks for the admin token.
import { $, esc, num, pill, table } from './dom.js';
import { ApiError, get, stream } from './api.js';
import { drawSlo, record } from './slo-view.js';
import { dagOf, drawPlacement, memberPill } from './placement-view.js';
import { drawEvents, fromReads, fromStream, replicaSeen } from './events-view.js';
import { drawProfiles } from './profiles-view.js';
import { drawActions, setupActions } from './actions.js';

const state = { cluster: null, nodes: [], apps: [], deployments: [], plan: null, profiles: [], selected: '' };
/** Merged figures come from GET /v1/deployments/{name}; with many deployments only the selected one is asked. */
const DETAIL_LIMIT = 24;

async function read() {
  const [cluster, nodes, apps, list, plan, profiles, pstatus] = await Promise.all([
    get('/v1/cluster'),
    get('/v1/nodes'),
    get('/v1/apps'),
    get('/v1/deployments'),
    get('/v1/plan').catch(() => null),
    get('/v1/profiles').catch(() => []),
    get('/v1/profiles/status').catch(() => null),
  ]);
  const details = await Promise.all(
    nodes.map((n) => get('/v1/nodes/' + encodeURIComponent(n.id)).catch(() => ({ ...n, replicas: null }))),
  );
  const ask = list.length <= DETAIL_LIMIT ? list : list.filter((d) => d.name === state.selected);
  const merged = new Map(
    (await Promise.all(ask.map((d) => get('/v1/deployments/' + encodeURIComponent(d.name)).catch(() => d)))).map(
      (d) => [d.name, d],
    ),
  );
  Object.assign(state, {
    cluster,
    apps,
    plan,
    profiles,
    pstatus,
    nodes: details.map((d, i) => ({ ...nodes[i], ...d, state: nodes[i].state })),
    deployments: list.map((d) => merged.get(d.name) || d),
  });
}

function drawTables() {
  const { cluster, nodes } = state;
  $('members').innerHTML = table(
    cluster.members,
    [
      ['node', (m) => esc(m.id) + (m.self ? ' <i>(this box)</i>' : '')],
      ['address', (m) => esc(m.address)],
      ['state', (m) => pill(m.state)],
      ['role', (m) => (m.id === cluster.leader ? pill('leader') : 'follower')],
    ],
    'no members',
    'members',
  );
  $('nodes').innerHTML = table(
    nodes,
    [
      ['node', (n) => esc(n.id)],
      ['state', (n) => memberPill(n.state)],
      ['cores', (n) => esc(n.cpus)],
      ['memory', (n) => num((n.memoryMB || 0) / 1024) + ' GiB'],
      [
        'accelerators',
        (n) =>
          (n.accelerators || [])
            .map(
              (a) =>
                esc(a.model) +
                ' <small>' +
                esc(a.id) +
                '</small>' +
                (a.emulated ? ' ' + pill('emulated', 'emulated · ' + a.cpus + ' cpu') : ''),
            )
            .join('<br>') || 'CPU only',
      ],
    ],
    'no nodes',
    'nodes',
  );
  const replicas = nodes.flatMap((n) => (n.replicas || []).map((r) => ({ ...r, node: n.id })));
  // Served fps and busy time as the routers measure them (GET /v1/deployments/{name}: measured.replicas).
  const load = new Map(
    (state.deployments || []).flatMap((d) => ((d.measured && d.measured.replicas) || []).map((m) => [m.replica, m])),
  );
  const measured = (r, f) => (load.has(r.name) ? f(load.get(r.name)) : '–');
  $('replicas').innerHTML = table(
    replicas,
    [
      ['node', (r) => esc(r.node)],
      ['replica', (r) => esc(r.app) + '/' + esc(r.module)],
      ['accelerator', (r) => esc(r.accelerator)],
      ['state', (r) => pill(r.state)],
      ['restarts', (r) => esc(r.restarts)],
      ['served fps', (r) => measured(r, (m) => num(m.servedFps))],
      ['busy', (r) => measured(r, (m) => Math.round(m.busy * 100) + '%')],
    ],
    'no replicas',
    'replicas',
  );
  $('apps').innerHTML = table(
    state.apps,
    [
      ['app', (a) => esc(a.name)],
      ['image', (a) => '<code>' + esc(a.image) + '</code>'],
      ['modules', (a) => a.modules.map((m) => esc(m.name) + ' <small>' + esc(m.accelerator) + '</small>').join(' → ')],
    ],
    'no apps registered',
    'apps',
  );
  $('deployments').innerHTML = table(
    state.deployments,
    [
      ['deployment', (d) => esc(d.name)],
      ['app', (d) => esc(d.app)],
      ['target', (d) => esc(d.fps) + ' fps · ' + esc(d.latencyMs) + ' ms'],
      ['priority', (d) => esc(d.priority)],
      ['state', (d) => pill(d.state) + (d.reason ? ' <small>' + esc(d.reason) + '</small>' : '')],
      [
        'placed on',
        (d) => (d.placement || []).map((p) => esc(p.module) + '@' + esc(p.node) + '/' + esc(p.accelerator)).join(', '),
      ],
    ],
    'no deployments',
    'deployments',
  );
}

function showSelection() {
  const sel = state.selected;
  for (const tr of document.querySelectorAll('#slo-rows tr')) tr.classList.toggle('sel', tr.dataset.deployment === sel);
  for (const c of document.querySelectorAll('#placement .chip')) c.classList.toggle('hl', c.dataset.deployment === sel);
  $('dag').innerHTML =
    dagOf(
      state.deployments.find((d) => d.name === sel),
      state.apps,
    ) || 'Select a deployment in the SLO table to highlight its modules.';
}

/** Selecting only restyles what is drawn (no re-read, no redraw): quick with hundreds of deployments. */
const select = (name) => {
  state.selected = state.selected === name ? '' : name;
  showSelection();
};

function paint() {
  const { cluster, deployments } = state;
  const now = Date.now();
  $('title').textContent = 'Rim · ' + (cluster.name || 'cluster');
  $('summary').innerHTML =
    'leader <b>' +
    esc(cluster.leader ?? 'none') +
    '</b> · term ' +
    esc(cluster.term) +
    ' · ' +
    cluster.members.length +
    ' member(s) · state v' +
    esc(cluster.version ?? '–');
  const down = (cluster.members || []).filter((m) => m.docker && m.docker.reachable === false);
  $('banner').hidden = down.length === 0;
  $('banner').textContent = down
    .map((m) => m.id + ': Docker engine unreachable — ' + (m.docker.status || ''))
    .join(' · ');
  const counts = drawSlo($('slo-rows'), deployments, state.selected, select);
  $('slo-summary').textContent = counts.met + ' met · ' + counts['at-risk'] + ' at risk · ' + counts.missed + ' missed';
  drawPlacement($('placement'), state);
  showSelection();
  drawEvents(
    $('events'),
    $('events-box'),
    $('events-deployment'),
    state.nodes.map((n) => n.id),
    deployments.map((d) => d.name),
  );
  drawProfiles($('profiles'), state.profiles, state.pstatus, state.apps);
  drawActions(state);
  drawTables();
  $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString();
}

async function draw() {
  try {
    await read();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      $('locked').hidden = false;
      $('updated').textContent = 'reads need the admin token';
      $('token').focus();
      return;
    }
    throw e;
  }
  $('locked').hidden = true;
  const now = Date.now();
  record(state.deployments, now);
  fromReads(state.cluster, state.deployments, now);
  for (const n of state.nodes) for (const r of n.replicas || []) replicaSeen(n.id, r, now);
  paint();
  document.body.dataset.ready = 'true';
}

let pending = null;
function redraw() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    draw().catch((e) => {
      $('updated').textContent = 'error: ' + e.message;
    });
  }, 150);
}

const selfId = () => ((state.cluster && state.cluster.members) || []).find((m) => m.self)?.id || '';
let heard = 0;
stream(
  '/v1/events',
  (type, e) => {
    // Counts the events heard (body data-events), so a test can tell a live redraw from the fallback poll.
    document.body.dataset.events = String(++heard);
    fromStream(type, e, selfId());
    redraw();
  },
  (s) => {
    $('live').textContent = s;
    $('live').className = 'pill ' + (s === 'live' ? 's-running' : 's-backoff');
  },
);
for (const id of ['events-box', 'events-deployment']) $(id).addEventListener('change', () => state.cluster && paint());
setupActions(state, redraw);
setInterval(redraw, 5000);
redraw();
