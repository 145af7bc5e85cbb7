/**
 * A box alone (no cluster): the load watch (cluster/load-watch.ts) over this
 * box's measurements, every LOAD_WATCH_EVERY_MS; new allocations of auto
 * rates are stored and planned through the control, with their reason.
 */
import type { Store } from '../adapters/store.js';
import { LOAD_WATCH_EVERY_MS, LoadWatch, type LoadWatchTuning, type MeasureLoad } from '../cluster/load-watch.js';
import type { Logger } from '../log.js';
import { sleep } from '../sleep.js';
import type { Control } from './control.js';

export async function aloneLoadWatch(
  control: Pick<Control, 'reallocate'>,
  measurements: { measured: MeasureLoad },
  store: Pick<Store, 'read'>,
  logger: Logger,
  now: () => number,
  signal: AbortSignal,
  tuning: LoadWatchTuning = {},
): Promise<void> {
  const watch = new LoadWatch({
    reallocate: async (fps, reason) => void (await control.reallocate(fps, reason)),
    measure: (ds) => measurements.measured(ds),
    logger,
    now,
    ...tuning,
  });
  while (!signal.aborted) {
    await sleep(LOAD_WATCH_EVERY_MS, signal);
    if (signal.aborted) return;
    try {
      await watch.tick(store.read());
    } catch (e) {
      logger.warn({ err: e }, 'load watch failed; trying again');
    }
  }
}
