/**
 * Calls one replica's `POST /infer` (docs/design.md, "The module contract") with
 * one keep-alive undici Pool per replica address: a frame costs one pooled
 * request written straight to the socket and an answer collected from the
 * parser's chunks, without node:http's request/response streams (about half
 * the router's CPU per frame went there). The call ends at the frame's
 * deadline: the request is aborted and its socket destroyed, never left hanging.
 *
 * A replica on this box is called on loopback, where it listens; one on
 * another box (an endpoint with `via`) through that box's signed peer API
 * (replica-hop.ts), since replicas are not reachable from other machines.
 */
import { Pool, type Dispatcher } from 'undici';
import type { Payload } from '../domain/routing/chain-plan.js';
import type { Endpoint } from '../domain/routing/replica-directory.js';
import { DeadlineTimer, type Expiring } from './deadline-timer.js';

/**
 * Why a call failed: `connect` (refused, reset), `status` (the replica
 * answered ≥ 400), `timeout` (deadline), `too-large`.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'connect' | 'status' | 'timeout' | 'too-large',
    message: string,
    readonly status?: number,
    /** The replica's address is gone (refused, unreachable), not just one pooled socket reset. */
    readonly lost = false,
  ) {
    super(message);
  }
}

export interface FrameHeaders {
  deployment: string;
  frameId: string;
  /** epoch ms */
  deadline: number;
}

export interface UpstreamOptions {
  /** Largest module output accepted (bytes). */
  maxResponseBytes?: number;
  /** Calls replicas of other boxes through their peer API; without it such an endpoint fails to connect. */
  hop?: RemoteInfer;
}

/** A call to a replica on another box (replica-hop.ts). */
export interface RemoteInfer {
  infer(ep: Endpoint, input: Payload, h: FrameHeaders, timeoutMs: number, client: UpstreamClient): Promise<Payload>;
}

/** What came back from one HTTP exchange. */
export interface Exchanged {
  status: number;
  /** An answer header by lower-case name; repeats joined with ", " as node:http does (content-type: the first). */
  header(name: string): string | undefined;
  body: Buffer;
}

/** Request headers: an object, or names and values one after the other. */
export type RequestHeaders = Record<string, string> | string[];

/** An idle pooled connection is dropped after 4 s, before a module's server (node's default: 5 s) closes it. */
const IDLE_MS = 4000;
/** Pools of addresses unused for this long are closed when a new address is first called (replicas come and go). */
const UNUSED_MS = 60_000;

interface Pooled {
  pool: Pool;
  used: boolean;
}

export class UpstreamClient {
  private readonly pools = new Map<string, Pooled>();
  /** Every call's deadline, under one timer. */
  private readonly deadlines = new DeadlineTimer();
  private sweptAt = Date.now();
  private last: { host: string; port: number; key: string; pooled: Pooled } | undefined;
  readonly maxResponseBytes: number;

  constructor(private readonly opts: UpstreamOptions = {}) {
    this.maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
  }

  /** POST /infer on `ep`; resolves with the output of a 2xx, rejects with an UpstreamError otherwise. */
  infer(ep: Endpoint, input: Payload, h: FrameHeaders, timeoutMs: number): Promise<Payload> {
    if (ep.via) {
      if (!this.opts.hop)
        return Promise.reject(new UpstreamError('connect', `${ep.replica} is on ${ep.node}: no peer hop configured`));
      return this.opts.hop.infer(ep, input, h, timeoutMs, this);
    }
    const headers = [
      'content-type',
      input.contentType,
      'rim-deployment',
      h.deployment,
      'rim-frame-id',
      h.frameId,
      'rim-deadline',
      String(h.deadline),
    ];
    // One promise per call: the handler itself resolves with the output (or rejects with the status).
    return this.start<Payload>(ep.host, ep.port, '/infer', headers, input.body, timeoutMs, ep.replica, true);
  }

  /**
   * One POST over the pooled connections of `host:port`: the whole answer (up
   * to `maxResponseBytes`), or an UpstreamError (connect, timeout, too-large).
   */
  exchange(
    host: string,
    port: number,
    path: string,
    headers: RequestHeaders,
    body: Buffer,
    timeoutMs: number,
    who: string,
  ): Promise<Exchanged> {
    return this.start<Exchanged>(host, port, path, headers, body, timeoutMs, who, false);
  }

  private start<T extends Exchanged | Payload>(
    host: string,
    port: number,
    path: string,
    headers: RequestHeaders,
    body: Buffer,
    timeoutMs: number,
    who: string,
    output: boolean,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = new Exchange(
        host,
        port,
        who,
        this.maxResponseBytes,
        output,
        resolve,
        reject,
        this.deadlines,
        timeoutMs,
      );
      this.deadlines.add(call);
      try {
        this.poolFor(host, port).dispatch({ method: 'POST', path, headers, body }, call);
      } catch (e) {
        call.onError(e as Error);
      }
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.deadlines.close();
    for (const p of this.pools.values()) void p.pool.destroy().catch(() => undefined);
    this.pools.clear();
    this.last = undefined;
  }

  private poolFor(host: string, port: number): Pool {
    // The address called last (nearly every frame on a box with one replica per module): no key string built.
    const last = this.last;
    if (last && last.host === host && last.port === port && this.pools.get(last.key) === last.pooled) {
      last.pooled.used = true;
      return last.pooled.pool;
    }
    const key = `${host}:${port}`;
    const found = this.pools.get(key);
    if (found) {
      found.used = true;
      this.last = { host, port, key, pooled: found };
      return found.pool;
    }
    const now = Date.now();
    if (now - this.sweptAt > UNUSED_MS) {
      this.sweptAt = now;
      for (const [k, p] of this.pools) {
        if (p.used) p.used = false;
        else {
          this.pools.delete(k);
          void p.pool.close().catch(() => undefined);
        }
      }
    }
    const origin = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    // One request per connection at a time (a slow frame holds up no other), as many connections as frames in flight;
    // undici's own timeouts off: the frame's deadline (this.deadlines) bounds every call.
    const pool = new Pool(origin, {
      pipelining: 1,
      keepAliveTimeout: IDLE_MS,
      keepAliveMaxTimeout: IDLE_MS,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const pooled = { pool, used: true };
    this.pools.set(key, pooled);
    this.last = { host, port, key, pooled };
    return pool;
  }
}

const LOST = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
const EMPTY = Buffer.alloc(0);

/**
 * One call's undici handler: collects the answer's chunks and settles once
 * (answer, failure or deadline); the answer itself (its headers read from
 * the raw ones only when asked for).
 */
class Exchange implements Dispatcher.DispatchHandlers, Exchanged, Expiring {
  readonly due: number;
  status = 0;
  body: Buffer = EMPTY;
  private abort: ((err?: Error) => void) | undefined;
  private settled = false;
  private raw: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** DeadlineTimer's slot of this call (deadline-timer.ts). */
  deadlineSlot = -1;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly who: string,
    private readonly max: number,
    /** Settle with the module's output (a 2xx) or an UpstreamError of kind status, rather than the exchange. */
    private readonly output: boolean,
    private readonly resolve: (x: never) => void,
    private readonly reject: (e: UpstreamError) => void,
    private readonly deadlines: DeadlineTimer,
    private readonly timeoutMs: number,
  ) {
    this.due = performance.now() + Math.max(0, timeoutMs);
  }

  /** The deadline passed: fails the call and aborts it (its connection is destroyed). */
  expire(): void {
    this.fail(new UpstreamError('timeout', `${this.who} did not answer within ${Math.round(this.timeoutMs)} ms`));
    this.abort?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) abort();
    else this.abort = abort;
  }

  onHeaders(status: number, raw: Buffer[]): boolean {
    this.status = status;
    this.raw = raw;
    return true;
  }

  header(name: string): string | undefined {
    let found: string | undefined;
    const raw = this.raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length !== name.length || k.toString('latin1').toLowerCase() !== name) continue;
      const v = raw[i + 1]!.toString('latin1');
      if (name === 'content-type') return v;
      found = found === undefined ? v : `${found}, ${v}`;
    }
    return found;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return true;
    this.size += chunk.length;
    if (this.size > this.max) {
      this.fail(new UpstreamError('too-large', `${this.who} answered more than ${this.max} bytes`));
      this.abort?.();
      return true;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    const c = this.chunks;
    this.body = c.length === 1 ? c[0]! : c.length === 0 ? EMPTY : Buffer.concat(c, this.size);
    this.chunks.length = 0;
    if (!this.output) {
      this.resolve(this as never);
      return;
    }
    const status = this.status;
    if (status >= 200 && status < 300) {
      const payload: Payload = {
        body: this.body,
        contentType: this.header('content-type') ?? 'application/octet-stream',
      };
      this.resolve(payload as never);
      return;
    }
    const text = this.body.subarray(0, 200).toString('utf8');
    this.reject(new UpstreamError('status', `${this.who} answered ${status}: ${text}`, status));
  }

  onError(e: Error & { code?: string }): void {
    const code = e.code && !e.code.startsWith('UND_ERR') ? e.code : e.message;
    this.fail(
      new UpstreamError('connect', `${this.who} at ${this.host}:${this.port}: ${code}`, undefined, LOST.has(code)),
    );
  }

  private fail(e: UpstreamError): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    this.chunks.length = 0;
    this.reject(e);
  }
}
