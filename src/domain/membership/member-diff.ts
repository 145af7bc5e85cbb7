/** What changed in the member list between two committed documents (for the event stream). Pure. */
import type { Member } from '../types.js';

export interface MemberChange {
  id: string;
  /** undefined: the member is new. */
  from?: Member['state'];
  /** undefined: the member was removed. */
  to?: Member['state'];
}

export function memberChanges(before: readonly Member[], after: readonly Member[]): MemberChange[] {
  const was = new Map(before.map((m) => [m.id, m.state]));
  const out: MemberChange[] = [];
  for (const m of after) {
    const from = was.get(m.id);
    if (from !== m.state) out.push({ id: m.id, ...(from ? { from } : {}), to: m.state });
    was.delete(m.id);
  }
  for (const [id, from] of was) out.push({ id, from });
  return out;
}
