/**
 * A tiny in-process module for the load generator's tests: POST /infer is
 * served one frame at a time (FIFO) with a fixed service time kept by timers,
 * so its capacity is exactly 1000 / serviceMs frames per second without
 * burning the test machine's CPU. Modes: ok, error-rate (every other frame
 * 500), hang (never answers).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FifoServer {
  url: string;
  /** Most frames ever waiting or in service at once. */
  maxQueued: () => number;
  served: () => number;
  connections: () => number;
  close: () => Promise<void>;
}

export async function startFifoServer(
  serviceMs: number,
  mode: 'ok' | 'error-rate' | 'hang' = 'ok',
): Promise<FifoServer> {
  const queue: Array<() => void> = [];
  let busy = false;
  let maxQueued = 0;
  let served = 0;
  let connections = 0;
  const pump = (): void => {
    if (busy) return;
    const job = queue.shift();
    if (!job) return;
    busy = true;
    setTimeout(() => {
      job();
      busy = false;
      pump();
    }, serviceMs);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'hang') return;
      queue.push(() => {
        served += 1;
        if (mode === 'error-rate' && served % 2 === 0) {
          res.writeHead(500);
          res.end('synthetic failure');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.concat([Buffer.from('out:'), Buffer.concat(chunks)]));
      });
      maxQueued = Math.max(maxQueued, queue.length + (busy ? 1 : 0));
      pump();
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/infer`,
    maxQueued: () => maxQueued,
    served: () => served,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
