/**
 * A solver-neutral MILP: columns, sparse rows, a sense. The `optimal`
 * strategy and the LP bound build one; an adapter (src/adapters/highs-solver.ts)
 * solves it. Keeps the domain free of WebAssembly and I/O.
 */
export interface MilpCol {
  cost: number;
  lower: number;
  upper: number;
  integer: boolean;
}

export interface MilpRow {
  lower: number;
  upper: number;
  idx: number[];
  val: number[];
}

export interface MilpModel {
  sense: 'max' | 'min';
  cols: MilpCol[];
  rows: MilpRow[];
}

export interface MilpResult {
  /** The solver's status in its words, e.g. "Optimal", "Time limit reached". */
  status: string;
  /** Whether `values` hold a feasible solution. */
  feasible: boolean;
  values: ArrayLike<number>;
  objective: number;
  /** Relative gap between the solution and the best bound (0 when proved optimal). */
  gap: number;
  /** Best bound on the objective. */
  bound: number;
}

export interface MilpSolver {
  solve(model: MilpModel, opts: { timeLimitS: number; relGap?: number; start?: ArrayLike<number> }): MilpResult;
}

export const INF = Number.POSITIVE_INFINITY;

/** Builds a model column by column and row by row. */
export class MilpBuilder {
  readonly cols: MilpCol[] = [];
  readonly rows: MilpRow[] = [];
  constructor(readonly sense: 'max' | 'min') {}

  col(cost: number, lower: number, upper: number, integer = false): number {
    this.cols.push({ cost, lower, upper, integer });
    return this.cols.length - 1;
  }

  bin(cost = 0): number {
    return this.col(cost, 0, 1, true);
  }

  /** Adds lower ≤ Σ val·x[idx] ≤ upper (terms with the same column are summed). */
  row(terms: Array<[number, number]>, lower: number, upper: number): void {
    const merged = new Map<number, number>();
    for (const [i, v] of terms) merged.set(i, (merged.get(i) ?? 0) + v);
    const idx: number[] = [];
    const val: number[] = [];
    for (const [i, v] of merged)
      if (v !== 0) {
        idx.push(i);
        val.push(v);
      }
    this.rows.push({ lower, upper, idx, val });
  }

  model(): MilpModel {
    return { sense: this.sense, cols: this.cols, rows: this.rows };
  }
}
