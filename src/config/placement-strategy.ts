/**
 * `placement.strategy`: a name from the placement registry that the appliance
 * can run, derived from the registry. A strategy that needs a MILP solver
 * (today `optimal`) is refused: the solver runs synchronously for up to its
 * time limit (20 s by default), which on every re-plan would stall the API,
 * the data plane and the cluster's heartbeats (elections time out after
 * 1–2 s). It stays available offline, in `rim plan`.
 */
import { z } from 'zod';
import { STRATEGIES } from '../domain/placement/index.js';

/** The strategies the appliance runs: the registry's, less those that need a solver. */
export const APPLIANCE_STRATEGIES: readonly string[] = [...STRATEGIES.values()]
  .filter((s) => !s.needs)
  .map((s) => s.name);

const EXPECTED = `expected one of ${APPLIANCE_STRATEGIES.join(', ')}`;

export const placementStrategy = z.string({ error: EXPECTED }).superRefine((name, ctx) => {
  const strategy = STRATEGIES.get(name);
  if (!strategy) ctx.addIssue({ code: 'custom', message: EXPECTED });
  else if (strategy.needs === 'solver') {
    ctx.addIssue({
      code: 'custom',
      message:
        `"${name}" needs a MILP solver that would block the appliance for seconds on every plan; ` +
        `use it offline (rim plan --strategy ${name}); ${EXPECTED}`,
    });
  }
});
