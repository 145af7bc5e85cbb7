/**
 * One profiling run over the cluster: each due task goes to a site the pure
 * rule picks (src/domain/profiling/profile-dispatch.ts), the boxes work
 * through their own tasks one at a time and in parallel with each other,
 * and a box lost midway hands its tasks back: they are given to another box
 * with the model, or end `unavailable` (no live box has it) or `failed`
 * after `maxAttempts`, each with its reason.
 */
import { chooseSite, type ProfilingSite, type ProfilingTaskState } from '../domain/profiling/profile-dispatch.js';
import { profileIdentity } from '../domain/profiling/profile-key.js';
import type { ProfileTask } from '../domain/profiling/profile-tasks.js';
import type { NodeInventory, Plan, StoredProfile } from '../domain/types.js';

/** What became of one task: stored (ok or failed), the box lost, or no result (with why). */
export type TaskOutcome = { profile: StoredProfile } | { lost: string } | { failed: string };

/** One task as GET /v1/profiles/status shows it. */
export interface TaskView {
  profile: string;
  state: ProfilingTaskState;
  why: ProfileTask['why'];
  node?: string;
  acceleratorId?: string;
  shared?: boolean;
  attempts: number;
  reason?: string;
}

export interface RunDeps {
  /** The live boxes now, with their inventories. */
  boxes(): NodeInventory[];
  plan(): Plan | undefined;
  execute(site: ProfilingSite, task: ProfileTask, signal: AbortSignal): Promise<TaskOutcome>;
  signal: AbortSignal;
  /** A task given to a box that is then lost is tried this many times in all. */
  maxAttempts?: number;
}

interface Item {
  task: ProfileTask;
  view: TaskView;
}

export function taskViews(tasks: readonly ProfileTask[]): TaskView[] {
  return tasks.map((t) => ({ profile: profileIdentity(t.target), state: 'queued', why: t.why, attempts: 0 }));
}

/** Runs `tasks` (their views, same order, are updated in place) until each has an end state or the signal aborts. */
export async function runTasks(tasks: readonly ProfileTask[], views: TaskView[], deps: RunDeps): Promise<void> {
  const maxAttempts = deps.maxAttempts ?? 2;
  const lost = new Set<string>();
  let pending: Item[] = tasks.map((task, i) => ({ task, view: views[i]! }));
  while (pending.length && !deps.signal.aborted) {
    const load = new Map<string, number>();
    const perBox = new Map<string, Array<{ item: Item; site: ProfilingSite }>>();
    const boxes = deps.boxes();
    const plan = deps.plan();
    for (const item of pending) {
      const model = item.task.target.accelerator;
      const site = chooseSite(model, boxes, plan, load, lost);
      if ('unavailable' in site) {
        const before = item.view.reason ? ` (${item.view.reason})` : '';
        Object.assign(item.view, { state: 'unavailable', reason: `${site.unavailable}${before}` });
        continue;
      }
      load.set(site.node, (load.get(site.node) ?? 0) + 1);
      perBox.set(site.node, [...(perBox.get(site.node) ?? []), { item, site }]);
      Object.assign(
        item.view,
        { state: 'queued', node: site.node, shared: site.shared },
        site.acceleratorId ? { acceleratorId: site.acceleratorId } : {},
      );
    }
    pending = [];
    await Promise.all(
      [...perBox].map(async ([node, items]) => {
        for (const { item, site } of items) {
          if (deps.signal.aborted) return;
          if (lost.has(node)) {
            pending.push(item);
            continue;
          }
          item.view.state = 'running';
          item.view.attempts += 1;
          const out = await deps.execute(site, item.task, deps.signal);
          if ('profile' in out) {
            const p = out.profile;
            item.view.state = p.state === 'ok' ? 'done' : 'failed';
            if (p.reason) item.view.reason = p.reason;
          } else if ('lost' in out) {
            lost.add(node);
            item.view.reason = out.lost;
            if (item.view.attempts < maxAttempts) pending.push(item);
            else item.view.state = 'failed';
          } else {
            Object.assign(item.view, { state: 'failed', reason: out.failed });
          }
        }
      }),
    );
  }
}
