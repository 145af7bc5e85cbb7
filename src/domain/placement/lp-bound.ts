/**
 * The capacity-only LP upper bound: the most fps the cluster could admit if
 * deployments were fluid (fractional), replicas cost no memory and latency
 * did not matter; only GPU shares (f/F ≤ 1 − headroom) and node cores bind,
 * and each module may use its lightest variant. Nodes with the same cores,
 * memory and GPUs form one class, so the LP has O(apps · modules · variants
 * · classes · models) columns whatever the cluster's size.
 * `mix` instead asks for the cluster's capacity for an app mix: the largest
 * t with app a getting mix[a]·t fps (the benchmark's "load 1.0").
 */
import { INF, MilpBuilder, type MilpSolver } from './milp.js';
import { type Problem, profileFor } from './problem.js';

export interface BoundResult {
  fps: number;
  status: string;
}

interface NodeClass {
  count: number;
  cpus: number;
  /** model → GPUs of it per node */
  gpus: Map<string, number>;
}

function classes(p: Problem): NodeClass[] {
  const byKey = new Map<string, NodeClass>();
  for (const n of p.nodes) {
    const models = n.gpuSlots.map((g) => p.slots[g]!.model).sort();
    const key = `${n.cpus}|${models.join(',')}`;
    const c = byKey.get(key);
    if (c) {
      c.count++;
      continue;
    }
    const gpus = new Map<string, number>();
    for (const m of models) gpus.set(m, (gpus.get(m) ?? 0) + 1);
    byKey.set(key, { count: 1, cpus: n.cpus, gpus });
  }
  return [...byKey.values()];
}

/**
 * `demand`: fps offered per app (the bound on admitted fps), or
 * `mix`: app → weight (capacity for that mix; weights are normalised).
 */
export function capacityBound(
  p: Problem,
  solver: MilpSolver,
  q: { demand: Map<string, number> } | { mix: Map<string, number> },
): BoundResult {
  const b = new MilpBuilder('max');
  const h = p.headroom;
  const cls = classes(p);
  const apps = [...('demand' in q ? q.demand : q.mix).entries()].filter(([a, v]) => v > 0 && p.apps.has(a));
  const mixSum = 'mix' in q ? apps.reduce((a, [, v]) => a + v, 0) : 1;
  const t = 'mix' in q ? b.col(1, 0, INF) : -1;
  const gpuRows = new Map<string, Array<[number, number]>>(); // class|model → terms
  const coreRows = new Map<number, Array<[number, number]>>(); // class → terms
  for (const [appName, amount] of apps) {
    const app = p.apps.get(appName)!;
    const A = b.col('demand' in q ? 1 : 0, 0, 'demand' in q ? amount : INF);
    if ('mix' in q)
      b.row(
        [
          [A, 1],
          [t, -amount / mixSum],
        ],
        0,
        0,
      );
    for (const m of app.modules) {
      const terms: Array<[number, number]> = [[A, -1]];
      cls.forEach((c, ci) => {
        const models = m.gpu ? [...c.gpus.keys()] : ['cpu'];
        for (const model of models)
          for (const v of m.variants) {
            const pr = profileFor(p, appName, m.name, v.name, model);
            if (!pr) continue;
            const x = b.col(0, 0, INF);
            terms.push([x, 1]);
            if (m.gpu) {
              const key = `${ci}|${model}`;
              if (!gpuRows.has(key)) gpuRows.set(key, []);
              gpuRows.get(key)!.push([x, 1 / pr.maxFps]);
            }
            if (!coreRows.has(ci)) coreRows.set(ci, []);
            coreRows.get(ci)!.push([x, (pr.cpuCores ?? 0) / pr.maxFps]);
          }
      });
      b.row(terms, 0, 0); // every module serves all admitted fps
    }
  }
  for (const [key, terms] of gpuRows) {
    const [ci, model] = [Number(key.split('|')[0]), key.slice(key.indexOf('|') + 1)];
    const c = cls[ci]!;
    b.row(terms, -INF, c.count * c.gpus.get(model)! * (1 - h));
  }
  for (const [ci, terms] of coreRows) b.row(terms, -INF, cls[ci]!.count * cls[ci]!.cpus * (1 - h));
  if (!b.cols.length) return { fps: 0, status: 'Empty' };
  const r = solver.solve(b.model(), { timeLimitS: 60 });
  return { fps: r.feasible ? r.objective : 0, status: r.status };
}

/** The bound for a problem's own deployments: offered fps per app. */
export function lpUpperBound(p: Problem, solver: MilpSolver): BoundResult {
  const demand = new Map<string, number>();
  for (const d of p.deployments) demand.set(d.app, (demand.get(d.app) ?? 0) + d.fps);
  return capacityBound(p, solver, { demand });
}
