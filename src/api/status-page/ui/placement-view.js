// Placement picture: boxes × accelerators with the replicas on each, the plan's share of capacity and the
// measured utilisation; the selected deployment's DAG is highlighted across boxes.
import { bar, esc, pill } from './dom.js';

/**
 * Plan share of (node, accelerator): the plan's own figure, keyed "<node>/<accelerator>", when it names it
 * (accelerator ids repeat across boxes: every emulated box has an emu0), else Σ fps / max fps of profiles.
 */
function planShare(plan, profiles, deployments, node, accel) {
  const u = (plan && plan.utilisation) || {};
  const own = u[node.id + '/' + accel.id];
  if (typeof own === 'number') return own;
  const byName = new Map(deployments.map((d) => [d.name, d]));
  let share = 0;
  let known = false;
  for (const p of (plan && plan.placements) || []) {
    if (p.node !== node.id || p.accelerator !== accel.id) continue;
    const d = byName.get(p.deployment);
    const prof = profiles.find(
      (x) =>
        x.app === (d && d.app) &&
        x.module === p.module &&
        (x.variant || 'default') === (p.variant || 'default') &&
        x.accelerator === accel.model &&
        x.maxFps > 0,
    );
    if (prof) {
      share += p.fps / prof.maxFps;
      known = true;
    }
  }
  return known ? share : null;
}

function chips(plan, node, accel, replicas, selected) {
  const here = ((plan && plan.placements) || []).filter((p) => p.node === node.id && p.accelerator === accel.id);
  if (!here.length) return '<p class="empty">no replicas</p>';
  return (
    '<ul class="chips">' +
    here
      .map((p) => {
        const r = replicas.find(
          (x) => x.module === p.module && x.accelerator === accel.id && (!p.variant || x.variant === p.variant),
        );
        const state = r ? r.state : 'pending';
        return (
          '<li class="chip' +
          (p.deployment === selected ? ' hl' : '') +
          '" data-deployment="' +
          esc(p.deployment) +
          '">' +
          esc(p.deployment) +
          ' · ' +
          esc(p.module) +
          (p.variant && p.variant !== 'default' ? ' <small>(' + esc(p.variant) + ')</small>' : '') +
          ' ' +
          pill(state) +
          (r && r.restarts ? ' <small>' + esc(r.restarts) + ' restart(s)</small>' : '') +
          '</li>'
        );
      })
      .join('') +
    '</ul>'
  );
}

const PLAN_TITLE = "plan: the share of this accelerator the leader's plan gives the replicas placed on it";
const MEASURED_TITLE =
  'measured: the busy share read now (CPU share for cores and emulated accelerators, nvidia-smi for GPUs); ' +
  '– : no reading yet (nothing runs here, or the box does not answer)';
const STAND_IN_TITLE =
  'stand-in: an app not yet profiled on every accelerator model runs whole on one box, unsized, ' +
  "until its profiles exist; then Rim's placement sizes and spreads it";
const MEMBER_TITLE = {
  alive: 'alive: the box answers its peers',
  suspect: 'suspect: the box missed its heartbeats; its replicas stay where they are for now',
  dead: 'dead: the box is gone; its replicas are placed on the others',
  unknown: 'the cluster has no state for this box',
};

/** A box's member state (alive / suspect / dead) as the cluster knows it, explained on hover. */
export const memberPill = (state) => {
  const s = state || 'unknown';
  return '<span title="' + esc(MEMBER_TITLE[s] || s) + '">' + pill(s) + '</span>';
};

/** One line that names the plan's strategy and says what "stand-in" and "measured –" mean. */
export function legend(plan) {
  const strategy = (plan && plan.strategy) || '';
  return (
    '<p class="legend"><small>' +
    (strategy ? 'placed by <b title="' + esc(STAND_IN_TITLE) + '">' + esc(strategy) + '</b> · ' : '') +
    '<span title="' +
    esc(STAND_IN_TITLE) +
    '"><i>stand-in</i>: apps not yet profiled run whole on one box until their profiles exist</span> · ' +
    '<span title="' +
    esc(MEASURED_TITLE) +
    '"><i>measured –</i>: no reading yet</span> · box states: alive, suspect (missed heartbeats), dead (gone)' +
    '</small></p>'
  );
}

export function drawPlacement(el, s) {
  const { nodes, plan, profiles, deployments, selected } = s;
  el.innerHTML =
    legend(plan) +
    nodes
      .map((n) => {
        const accels = [{ id: 'cpu', model: 'CPU', cpus: n.cpus }, ...(n.accelerators || [])];
        const util = n.utilisation || {};
        return (
          '<article class="box" aria-label="box ' +
          esc(n.id) +
          '"><h3>' +
          esc(n.id) +
          ' ' +
          memberPill(n.state) +
          '</h3><div class="accels">' +
          accels
            .map((a) => {
              const m = util[a.id];
              return (
                '<div class="accel"><h4>' +
                esc(a.model) +
                ' <small>' +
                esc(a.id) +
                '</small>' +
                (a.emulated ? ' ' + pill('emulated', 'emulated · ' + a.cpus + ' cpu') : '') +
                '</h4>' +
                bar(planShare(plan, profiles, deployments, n, a), 'plan', PLAN_TITLE) +
                bar(
                  m ? m.ratio : null,
                  'measured' + (m ? (m.source === 'nvidia-smi' ? ' (nvidia-smi)' : ' (CPU)') : ''),
                  MEASURED_TITLE,
                ) +
                chips(plan, n, a, n.replicas || [], selected) +
                '</div>'
              );
            })
            .join('') +
          '</div></article>'
        );
      })
      .join('') +
    (nodes.length ? '' : '<p class="empty">no nodes</p>');
}

/** The selected deployment's modules in DAG order, each with where it runs. */
export function dagOf(d, apps) {
  if (!d) return '';
  const app = apps.find((a) => a.name === d.app);
  const order = app ? app.modules.map((m) => m.name) : [];
  const steps = [...(d.placement || [])].sort((a, b) => order.indexOf(a.module) - order.indexOf(b.module));
  return (
    '<b>' +
    esc(d.name) +
    '</b>: ' +
    (steps.map((p) => esc(p.module) + ' @ ' + esc(p.node) + '/' + esc(p.accelerator)).join(' → ') || 'not placed')
  );
}
