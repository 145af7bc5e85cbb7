// Events timeline: what happened, with reasons, from the event stream and from changes the page saw between
// reads (elections, box state, restarts, rejections); filterable by box and deployment.
import { esc, options, pill } from './dom.js';

const MAX = 500;
const items = [];
const restarts = new Map();
const seen = { leader: undefined, term: undefined, members: new Map(), rejected: new Map() };

export function add(e) {
  items.unshift({
    at: e.at || Date.now(),
    box: e.box || '',
    deployment: e.deployment || '',
    kind: e.kind,
    text: e.text,
    reason: e.reason || '',
  });
  if (items.length > MAX) items.length = MAX;
}

const exitReason = (r) => (r.lastExit && r.lastExit.code != null ? 'exit code ' + r.lastExit.code : '');

/** A replica's state as seen on `box`: a higher restart count is a restart, with the exit as its reason. */
export function replicaSeen(box, r, at) {
  const key = box + '/' + r.name;
  const before = restarts.get(key);
  restarts.set(key, r.restarts || 0);
  if (before !== undefined && (r.restarts || 0) > before) {
    add({
      at,
      box,
      kind: 'restarted',
      text: r.app + '/' + r.module + ' restarted (' + r.restarts + ')',
      reason: exitReason(r) || r.state,
    });
  }
  if (r.state === 'crash-loop' && before !== undefined) {
    add({ at, box, kind: 'crash-loop', text: r.app + '/' + r.module + ' is in a crash loop', reason: exitReason(r) });
  }
}

/** One server-sent event from the box the page talks to. */
export function fromStream(type, e, self) {
  const d = e.data || {};
  if (type === 'replica' && e.action === 'state') return replicaSeen(self, d, e.at);
  if (type === 'replica' && e.action === 'step') return; // routine reconciliation; failed steps do show
  const text = {
    deployment: () => 'deployment ' + d.name + ' ' + e.action,
    app: () => 'app ' + d.name + ' ' + e.action,
    plan: () => 'plan ' + e.action + ': ' + d.placements + ' placement(s), ' + (d.rejected || []).length + ' rejected',
    docker: () => 'Docker engine ' + e.action,
    profile: () => 'profile ' + d.app + '/' + d.module + ' on ' + d.accelerator + ': ' + e.action,
    replica: () => 'replica ' + (d.name || '') + ' ' + e.action,
  }[type];
  const reason =
    type === 'plan'
      ? (d.rejected || []).map((r) => r.deployment + ': ' + r.reason).join('; ')
      : type === 'docker'
        ? d.status
        : d.reason || d.error;
  add({
    at: e.at,
    box: self,
    deployment: type === 'deployment' ? d.name : '',
    kind: type + ' ' + e.action,
    text: text ? text() : type + ' ' + e.action,
    reason,
  });
}

/** Changes between two reads: elections, members' states, rejections. */
export function fromReads(cluster, deployments, now) {
  if (seen.leader !== undefined && (cluster.leader !== seen.leader || cluster.term !== seen.term)) {
    add({
      at: now,
      kind: 'election',
      text: 'leader ' + (cluster.leader || 'none') + ' in term ' + cluster.term,
      reason: seen.leader ? 'was ' + seen.leader + ' in term ' + seen.term : '',
    });
  }
  seen.leader = cluster.leader;
  seen.term = cluster.term;
  for (const m of cluster.members || []) {
    const before = seen.members.get(m.id);
    if (before && before !== m.state) {
      add({ at: now, box: m.id, kind: 'member ' + m.state, text: m.id + ' is ' + m.state, reason: 'was ' + before });
    }
    seen.members.set(m.id, m.state);
  }
  for (const d of deployments) {
    const was = seen.rejected.get(d.name);
    if (d.state === 'rejected' && was !== d.reason)
      add({
        at: now,
        deployment: d.name,
        kind: 'rejected',
        text: 'deployment ' + d.name + ' rejected',
        reason: d.reason,
      });
    seen.rejected.set(d.name, d.state === 'rejected' ? d.reason : undefined);
  }
}

export function drawEvents(el, boxSel, depSel, boxes, deployments) {
  options(boxSel, boxes, 'all boxes');
  options(depSel, deployments, 'all deployments');
  const shown = items.filter(
    (i) =>
      (!boxSel.value || i.box === boxSel.value) &&
      (!depSel.value || i.deployment === depSel.value || i.text.includes(depSel.value)),
  );
  el.innerHTML = shown.length
    ? shown
        .slice(0, 200)
        .map(
          (i) =>
            '<li><time datetime="' +
            new Date(i.at).toISOString() +
            '">' +
            esc(new Date(i.at).toLocaleTimeString()) +
            '</time> ' +
            pill(i.kind.split(' ')[0], i.kind) +
            ' ' +
            (i.box ? '<small>' + esc(i.box) + '</small> ' : '') +
            esc(i.text) +
            (i.reason ? ' — <span class="reason">' + esc(i.reason) + '</span>' : '') +
            '</li>',
        )
        .join('')
    : '<li class="empty">nothing yet</li>';
}
