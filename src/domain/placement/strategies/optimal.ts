import type { Strategy } from '../strategy.js';
export const optimalStrategy: Strategy = {
  name: 'optimal',
  summary: 'MILP (HiGHS)',
  plan() { throw new Error('todo'); },
};
