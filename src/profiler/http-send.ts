/**
 * One POST /infer, as the load generator sends it: over a keep-alive agent,
 * with Rim's frame headers, a deadline, and the whole answer read (the
 * output is the next module's input). Never throws: every way a request can
 * go wrong comes back as an outcome with its reason.
 */
import http from 'node:http';

export interface SendOutcome {
  ok: boolean;
  status?: number;
  /** `timeout`, `ECONNREFUSED`, `HTTP 500`, `aborted`… */
  error?: string;
  body?: Buffer;
  /** Size of the answer's body (bytes), kept or not: the module's frame size. */
  bytes?: number;
}

/** Sends one frame; resolves when the answer is read or the request failed. */
export type Send = (signal: AbortSignal) => Promise<SendOutcome>;

export interface HttpSendOptions {
  /** e.g. http://127.0.0.1:17001/infer */
  url: string;
  body: Buffer;
  /** `false`: a one-off connection. */
  agent: http.Agent | false;
  timeoutMs: number;
  /** Keep the answer's body (needed to feed the next module); dropped otherwise. */
  keepBody?: boolean;
  contentType?: string;
}

/** A keep-alive agent sized for the load generator. */
export function loadAgent(maxSockets = 512): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

let frameSeq = 0;

export function postFrame(o: HttpSendOptions, signal: AbortSignal): Promise<SendOutcome> {
  return new Promise<SendOutcome>((resolve) => {
    if (signal.aborted) return resolve({ ok: false, error: 'aborted' });
    let settled = false;
    const finish = (out: SendOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(out);
    };
    const req = http.request(
      o.url,
      {
        method: 'POST',
        agent: o.agent,
        headers: {
          'content-type': o.contentType ?? 'application/octet-stream',
          'content-length': o.body.length,
          'rim-deployment': 'rim-profiler',
          'rim-frame-id': String(++frameSeq),
          'rim-deadline': String(Date.now() + o.timeoutMs),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (o.keepBody) chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          finish({
            ok,
            status,
            bytes,
            ...(ok ? {} : { error: `HTTP ${status}` }),
            ...(o.keepBody ? { body: Buffer.concat(chunks) } : {}),
          });
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: 'timeout' });
      req.destroy();
    }, o.timeoutMs);
    const onAbort = (): void => {
      finish({ ok: false, error: 'aborted' });
      req.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    req.end(o.body);
  });
}

/** A Send that posts the same frame each time. */
export function httpSend(o: HttpSendOptions): Send {
  return (signal) => postFrame(o, signal);
}
