import type { ReplicaView } from './api/replica-view.js';
import type { EventBus } from './events/event-bus.js';
import type { ReplicaStatus } from './domain/types.js';
import { sleep } from './sleep.js';

/**
 * Replica state changes for the event stream. The supervisor keeps the
 * states; they are compared only while a client listens, so an idle
 * appliance does no work here.
 */
export async function replicaEvents(
  supervisor: ReplicaView,
  events: EventBus,
  signal: AbortSignal,
  everyMs: number,
): Promise<void> {
  let last = new Map<string, string>();
  const key = (r: ReplicaStatus) => `${r.state}/${r.restarts}/${r.containerId ?? ''}`;
  while (!signal.aborted) {
    if (events.listenerCount === 0) {
      await events.whenListened(signal);
      last = snapshot();
    }
    const current = snapshot();
    for (const r of supervisor.replicas()) {
      if (last.get(r.name) !== key(r)) events.publish('replica', 'state', r);
    }
    for (const name of last.keys()) if (!current.has(name)) events.publish('replica', 'removed', { name });
    last = current;
    await sleep(everyMs, signal);
  }
  function snapshot() {
    return new Map(supervisor.replicas().map((r) => [r.name, key(r)]));
  }
}
