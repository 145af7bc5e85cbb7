/**
 * The node floor: the thinnest proxy on the router's HTTP stack, no Rim logic
 * (no routing, admission, deadline or stats). A node:http server reads each
 * request's body and sends it with the router's upstream client (an undici
 * Pool, keep-alive, one request per connection, its options as
 * src/router/upstream-client.ts's) to the module's POST /infer, and pipes the
 * answer back (status, content-type, content-length, chunks as they come).
 * What any router on Node's HTTP stack pays on this machine: bench:router's
 * `node-floor` path, latency-probe.ts --bare. Prints its port on the IPC
 * channel; answers the bench's 'gc?' (gc-watch.ts); RIM_BENCH_TAIL: tail-trace.ts.
 *
 *   node --import tsx bench/router/node-floor.ts MODULE_PORT
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import { answerGcAsks } from './gc-watch.js';
import { helperPriority } from './helper-priority.js';
import { traceTail } from './tail-trace.js';

const pool = new Pool(`http://127.0.0.1:${process.argv[2]}`, {
  pipelining: 1,
  keepAliveTimeout: 4000,
  keepAliveMaxTimeout: 4000,
  headersTimeout: 0,
  bodyTimeout: 0,
});

/** Pipes one answer: its head as the module's chunks come, each chunk written through. */
class Pipe implements Dispatcher.DispatchHandlers {
  constructor(private readonly res: http.ServerResponse) {}
  onConnect(): void {}
  onHeaders(status: number, raw: Buffer[]): boolean {
    const head: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!.toString('latin1').toLowerCase();
      if (k === 'content-type' || k === 'content-length') head.push(k, raw[i + 1]!.toString('latin1'));
    }
    this.res.writeHead(status, head);
    return true;
  }
  onData(c: Buffer): boolean {
    this.res.write(c);
    return true;
  }
  onComplete(): void {
    this.res.end();
  }
  onError(): void {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
}

const tail = traceTail('node-floor');
const server = http.createServer((req, res) => {
  tail?.(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = ['content-type', req.headers['content-type'] ?? 'application/octet-stream'];
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    pool.dispatch({ method: 'POST', path: '/infer', headers, body }, new Pipe(res));
  });
});
server.keepAliveTimeout = 60_000;
answerGcAsks();
process.on('SIGTERM', () => process.exit(0)); // a normal exit: --cpu-prof writes its profile
server.listen(0, '127.0.0.1', () => {
  helperPriority();
  process.send!({ port: (server.address() as AddressInfo).port });
});
