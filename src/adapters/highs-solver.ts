/**
 * The MILP solver adapter: HiGHS compiled to WebAssembly (the `highs` npm
 * package), behind the domain's MilpSolver interface. Loading reads the
 * .wasm file, so it lives here, outside src/domain.
 */
import type { Highs } from 'highs';
import type { MilpModel, MilpResult, MilpSolver } from '../domain/placement/milp.js';

type Loader = () => Promise<Highs>;

/**
 * Imported on first use, not with this module: `rim plan` with the default
 * strategy never needs it and a cold process saves its import (~30 ms).
 */
async function loadHighs(): Promise<Highs> {
  const highsModule = await import('highs');
  // A CommonJS package whose types say `export default`: take whichever shape Node hands us.
  const load = (highsModule as unknown as { default?: Loader }).default ?? (highsModule as unknown as Loader);
  return load();
}

function csr(model: MilpModel): { starts: Int32Array; indices: Int32Array; values: Float64Array } {
  const nnz = model.rows.reduce((a, r) => a + r.idx.length, 0);
  const starts = new Int32Array(model.rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  model.rows.forEach((r, i) => {
    starts[i] = k;
    for (let j = 0; j < r.idx.length; j++) {
      indices[k] = r.idx[j]!;
      values[k] = r.val[j]!;
      k++;
    }
  });
  starts[model.rows.length] = k;
  return { starts, indices, values };
}

export class HighsSolver implements MilpSolver {
  constructor(private readonly highs: Highs) {}

  static async load(): Promise<HighsSolver> {
    return new HighsSolver(await loadHighs());
  }

  solve(model: MilpModel, opts: { timeLimitS: number; relGap?: number; start?: ArrayLike<number> }): MilpResult {
    const h = this.highs;
    const inf = h.infinity;
    const fin = (x: number): number => (x === Infinity ? inf : x === -Infinity ? -inf : x);
    const m = h.createModel();
    try {
      m.options.set({
        output_flag: false,
        time_limit: opts.timeLimitS,
        mip_rel_gap: opts.relGap ?? 1e-4,
        random_seed: 0,
      } as never);
      m.passModel({
        numCols: model.cols.length,
        numRows: model.rows.length,
        sense: model.sense === 'max' ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize,
        colCost: Float64Array.from(model.cols, (c) => c.cost),
        colLower: Float64Array.from(model.cols, (c) => fin(c.lower)),
        colUpper: Float64Array.from(model.cols, (c) => fin(c.upper)),
        rowLower: Float64Array.from(model.rows, (r) => fin(r.lower)),
        rowUpper: Float64Array.from(model.rows, (r) => fin(r.upper)),
        matrix: { format: 'csr', numRows: model.rows.length, numCols: model.cols.length, ...csr(model) },
        integrality: Int32Array.from(model.cols, (c) => (c.integer ? 1 : 0)),
      } as never);
      if (opts.start) m.setSolution({ colValue: Float64Array.from(opts.start) } as never);
      m.run();
      const code = m.getModelStatus() as number;
      const statusName: Record<number, string> = {
        7: 'Optimal',
        8: 'Infeasible',
        13: 'Time limit reached',
        14: 'Iteration limit reached',
        10: 'Unbounded',
      };
      const status = statusName[code] ?? `HiGHS status ${code}`;
      const primal = Number(m.info.get('primal_solution_status'));
      const feasible = primal === 2;
      const sol = feasible ? m.getSolution() : undefined;
      const isMip = model.cols.some((c) => c.integer);
      const gap = isMip ? Number(m.info.get('mip_gap')) : 0;
      const bound = isMip ? Number(m.info.get('mip_dual_bound')) : feasible ? m.getObjectiveValue() : NaN;
      return {
        status,
        feasible,
        values: sol ? sol.colValue : new Float64Array(model.cols.length),
        objective: feasible ? m.getObjectiveValue() : NaN,
        gap: Number.isFinite(gap) ? gap : Infinity,
        bound,
      };
    } finally {
      m.dispose();
    }
  }
}
