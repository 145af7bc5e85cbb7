/**
 * The one wait every loop uses: resolves after `ms`, or at once when `signal`
 * aborts (callers then see `signal.aborted` and stop). Never rejects, so a
 * shutdown is not an error.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
