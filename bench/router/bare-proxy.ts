/**
 * The floor under the router: a bare proxy with the router's HTTP stack and
 * nothing else (a node:http server, each request's body collected and sent
 * with undici's Pool.dispatch to the module's POST /infer, the answer written
 * back; no routing, admission, deadline or stats). Run as a child by
 * latency-probe.ts --bare: prints its port on the IPC channel.
 *
 *   node --import tsx bench/router/bare-proxy.ts MODULE_PORT
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

const pool = new Pool(`http://127.0.0.1:${process.argv[2]}`, { pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });

class Collect implements Dispatcher.DispatchHandlers {
  private readonly chunks: Buffer[] = [];
  private status = 0;
  constructor(private readonly res: http.ServerResponse) {}
  onConnect(): void {}
  onHeaders(status: number): boolean {
    this.status = status;
    return true;
  }
  onData(c: Buffer): boolean {
    this.chunks.push(c);
    return true;
  }
  onComplete(): void {
    const body = Buffer.concat(this.chunks);
    this.res.writeHead(this.status, ['content-type', 'application/json', 'content-length', String(body.length)]);
    this.res.end(body);
  }
  onError(): void {
    this.res.writeHead(502).end();
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = ['content-type', req.headers['content-type'] ?? 'application/octet-stream'];
    pool.dispatch({ method: 'POST', path: '/infer', headers, body: Buffer.concat(chunks) }, new Collect(res));
  });
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
