/**
 * Peer requests prove that the sender holds the cluster token: an
 * HMAC-SHA256 over method, path, timestamp, nonce and a hash of the body,
 * keyed with the token. A request outside the replay window, or whose nonce
 * was already seen in it, is refused; so is one without a valid signature.
 * Answers are signed the same way (over the request's nonce), so a node
 * without the token can neither send nor answer. The token itself never
 * travels and is never logged.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PEER_HEADERS = {
  node: 'rim-peer-id',
  timestamp: 'rim-peer-timestamp',
  nonce: 'rim-peer-nonce',
  signature: 'rim-peer-signature',
} as const;

export const REPLAY_WINDOW_MS = 30_000;

const NODE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const NONCE = /^[0-9a-f]{16,64}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

const sha256 = (body: string | Buffer): string => createHash('sha256').update(body).digest('hex');

export interface SignedHeaders {
  [PEER_HEADERS.node]: string;
  [PEER_HEADERS.timestamp]: string;
  [PEER_HEADERS.nonce]: string;
  [PEER_HEADERS.signature]: string;
}

/** What a peer signs: one canonical line per field. */
export function canonical(
  method: string,
  path: string,
  nodeId: string,
  timestamp: number,
  nonce: string,
  body: string | Buffer,
): string {
  return [method.toUpperCase(), path, nodeId, String(timestamp), nonce, sha256(body)].join('\n');
}

export class PeerSigner {
  readonly #key: Buffer;

  constructor(token: string) {
    // Only a digest of the token stays in memory; nothing can print it back.
    this.#key = createHash('sha256').update(`rim-peer:${token}`).digest();
  }

  sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('hex');
  }

  verify(text: string, signature: string | undefined): boolean {
    if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(this.sign(text), 'hex'), Buffer.from(signature, 'hex'));
  }

  /** Headers for a request from `nodeId`. */
  requestHeaders(method: string, path: string, nodeId: string, body: string | Buffer, now: number): SignedHeaders {
    const nonce = randomBytes(12).toString('hex');
    return {
      [PEER_HEADERS.node]: nodeId,
      [PEER_HEADERS.timestamp]: String(now),
      [PEER_HEADERS.nonce]: nonce,
      [PEER_HEADERS.signature]: this.sign(canonical(method, path, nodeId, now, nonce, body)),
    };
  }

  /** The signature an answer carries: over its status, the request's nonce and the answer's body. */
  responseSignature(status: number, requestNonce: string, nodeId: string, body: string | Buffer): string {
    return this.sign(canonical(`RESPONSE-${status}`, requestNonce, nodeId, 0, requestNonce, body));
  }
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, k: string): string | undefined {
  const v = headers[k];
  return Array.isArray(v) ? v[0] : v;
}

export type Verdict = { ok: true; nodeId: string; nonce: string } | { ok: false; reason: string };

/** Checks signed requests and remembers nonces for the replay window. */
export class PeerVerifier {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly signer: PeerSigner,
    private readonly windowMs = REPLAY_WINDOW_MS,
  ) {}

  /**
   * What the headers alone can refuse, before the body is read: a missing
   * field, a node id, nonce or signature of the wrong shape, a timestamp
   * outside the replay window, a nonce already seen.
   */
  precheck(headers: Headers, now: number): Verdict {
    const nodeId = header(headers, PEER_HEADERS.node);
    const ts = Number(header(headers, PEER_HEADERS.timestamp));
    const nonce = header(headers, PEER_HEADERS.nonce);
    const signature = header(headers, PEER_HEADERS.signature);
    if (!nodeId || !nonce || !signature || !Number.isFinite(ts)) return { ok: false, reason: 'not signed' };
    if (!NODE_ID.test(nodeId) || !NONCE.test(nonce) || !SIGNATURE.test(signature)) {
      return { ok: false, reason: 'malformed signature headers' };
    }
    if (Math.abs(now - ts) > this.windowMs) return { ok: false, reason: 'timestamp outside the replay window' };
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed request' };
    return { ok: true, nodeId, nonce };
  }

  check(method: string, path: string, headers: Headers, body: string | Buffer, now: number): Verdict {
    const pre = this.precheck(headers, now);
    if (!pre.ok) return pre;
    const { nodeId, nonce } = pre;
    const ts = Number(header(headers, PEER_HEADERS.timestamp));
    const signature = header(headers, PEER_HEADERS.signature);
    if (!this.signer.verify(canonical(method, path, nodeId, ts, nonce, body), signature)) {
      return { ok: false, reason: 'bad signature (wrong cluster token?)' };
    }
    this.forget(now);
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed request' };
    this.seen.set(nonce, ts);
    return { ok: true, nodeId, nonce };
  }

  private forget(now: number): void {
    if (this.seen.size < 1024) return;
    for (const [n, ts] of this.seen) if (Math.abs(now - ts) > this.windowMs) this.seen.delete(n);
  }
}
