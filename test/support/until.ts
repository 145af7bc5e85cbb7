/** What a probe answers while the condition does not hold yet. */
type NotYet = undefined | null | false;

/**
 * The one wait of the test suites: polls `probe` until it gives a value, or
 * fails naming `what` (and the probe's last error) after `ms`. Not yet:
 * undefined, null, false, or a throw.
 */
export async function until<T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  ms = 15_000,
  stepMs = 50,
): Promise<Exclude<T, NotYet>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, NotYet>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const why = last ? `: ${(last as Error).message}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
