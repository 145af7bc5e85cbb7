/**
 * A MIP start for the `optimal` model from a plan already made (rim's):
 * every column set as that plan implies, deployments below `minPriority`
 * left out. Each slot takes the lowest level of its grid at or above its
 * utilisation; a deployment that the conservative level charge would put
 * over its target is left out too (loads only fall, so the rest stays
 * feasible). O(columns + shares · levels).
 */
import { ClusterState } from '../cluster-state.js';
import { type Problem, profileFor } from '../problem.js';
import type { OptimalModel } from './optimal-model.js';

export function startFrom(p: Problem, model: OptimalModel, plan: ClusterState, minPriority: number): Float64Array {
  const xIndex = new Map(model.xs.map((x) => [`${x.dep}|${x.module}|${x.variant}|${x.slot}`, x]));
  let included = p.deployments.filter(
    (d) =>
      plan.isPlaced(d.index) &&
      model.admit.has(d.index) &&
      d.priority >= minPriority &&
      plan.shares[d.index]!.every((s) => xIndex.has(`${s.dep}|${s.module}|${s.variant}|${s.slot}`)),
  );
  for (;;) {
    const state = new ClusterState(p, false);
    for (const d of included) state.addShares(d.index, plan.shares[d.index]!);
    const values = new Float64Array(model.b.cols.length);
    const level = p.slots.map((s) => {
      const u = state.util(s.index);
      const levels = model.levels[s.index]!;
      const k = Math.max(
        0,
        levels.findIndex((c) => c >= u - 1e-9),
      );
      values[model.z[s.index]![k]!] = 1;
      return levels[k]!;
    });
    const late: number[] = [];
    for (const d of included) {
      const cols = model.deps.get(d.index)!;
      const app = p.apps.get(d.app)!;
      values[cols.admit] = 1;
      const ell = app.modules.map(() => 0);
      const nodes = app.modules.map(() => new Set<number>());
      for (const s of plan.shares[d.index]!) {
        const x = xIndex.get(`${s.dep}|${s.module}|${s.variant}|${s.slot}`)!;
        values[x.col] = s.fps;
        values[x.y] = 1;
        values[x.r] = 1;
        const node = p.slots[s.slot]!.node;
        values[cols.used[s.module]![node]!] = 1;
        nodes[s.module]!.add(node);
        const pr = profileFor(p, d.app, app.modules[s.module]!.name, s.variant, p.slots[s.slot]!.model)!;
        ell[s.module] = Math.max(ell[s.module]!, pr.latencyMs / (1 - level[s.slot]!));
      }
      const start = app.modules.map(() => 0);
      let finish = 0;
      const entryNodes = nodes[app.entry]!;
      for (const m of app.topo) {
        values[cols.ell[m]!] = ell[m]!;
        values[cols.start[m]!] = start[m]!;
        // Away from an entry box: a share on a node other than one holding the entry module.
        const away = [...nodes[m]!].some((n) => [...entryNodes].some((en) => en !== n));
        const { e, cost } = cols.hops[m]!;
        values[e] = away ? 1 : 0;
        const done = start[m]! + ell[m]! + (away ? cost : 0);
        finish = Math.max(finish, done);
        for (const to of app.modules[m]!.next) start[to] = Math.max(start[to]!, done);
      }
      values[cols.finish] = finish;
      if (finish > d.latencyMs + 1e-7) late.push(d.index);
    }
    if (!late.length) return values;
    included = included.filter((d) => !late.includes(d.index));
  }
}
