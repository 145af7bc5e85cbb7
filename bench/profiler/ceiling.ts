/**
 * The load generator's own ceiling: closed-loop requests/s against a no-op
 * HTTP server in the same process (no module, no container), at rising
 * concurrency. What the profiler can measure is bounded by this.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpSend, loadAgent } from '../../src/profiler/http-send.js';
import { LoadRun } from '../../src/profiler/load-generator.js';
import { sleep } from '../../src/sleep.js';

export async function generatorCeiling(
  durationMs = 2000,
  levels = [1, 4, 16],
): Promise<Array<{ concurrency: number; rps: number }>> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/infer`;
  const agent = loadAgent();
  const out: Array<{ concurrency: number; rps: number }> = [];
  try {
    for (const concurrency of levels) {
      const run = new LoadRun(httpSend({ url, body: Buffer.alloc(1024, 7), agent, timeoutMs: 5000 }), {
        mode: 'closed',
        concurrency,
      });
      await sleep(300);
      const from = run.samples.length;
      const t0 = performance.now();
      await sleep(durationMs);
      const n = run.samples.length - from;
      const rps = (n * 1000) / (performance.now() - t0);
      await run.stop();
      out.push({ concurrency, rps: Math.round(rps) });
    }
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
  return out;
}
