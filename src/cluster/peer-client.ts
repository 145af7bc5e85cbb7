/**
 * Calls other appliances' peer API (`/v1/peer/*`) with signed requests, and
 * believes only answers signed with the same token.
 */
import { PEER_HEADERS, type PeerSigner } from './peer-auth.js';

export const PEER_CONTENT_TYPE = 'application/x-rim-peer';

export class PeerCallError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PeerCallError';
  }
}

export interface PeerAnswer<T> {
  status: number;
  /** The answering node's id, as it signed it. */
  nodeId: string;
  body: T;
}

export interface PeerClientOptions {
  nodeId: string;
  signer: PeerSigner;
  now: () => number;
  timeoutMs?: number;
}

/** What a caller of the peer API needs of the client. */
export type PeerCaller = Pick<PeerClient, 'call'>;

export class PeerClient {
  constructor(private readonly opts: PeerClientOptions) {}

  /** Sends a signed request to `address` (host:port); rejects on network errors and unsigned answers. */
  async call<T = unknown>(
    address: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<PeerAnswer<T>> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = this.opts.signer.requestHeaders(method, path, this.opts.nodeId, text, this.opts.now());
    let res: Response;
    try {
      res = await fetch(`http://${address}${path}`, {
        method,
        headers: { ...headers, 'content-type': PEER_CONTENT_TYPE },
        body: method === 'GET' ? undefined : text,
        signal: AbortSignal.timeout(timeoutMs ?? this.opts.timeoutMs ?? 2000),
      });
    } catch (e) {
      throw new PeerCallError(`peer ${address} unreachable: ${(e as Error).message}`, undefined, { cause: e });
    }
    const answer = await res.text().catch(() => '');
    const nodeId = res.headers.get(PEER_HEADERS.node) ?? '';
    const signature = res.headers.get(PEER_HEADERS.signature) ?? undefined;
    const expected = this.opts.signer.responseSignature(res.status, headers[PEER_HEADERS.nonce], nodeId, answer);
    if (!signature || signature !== expected) {
      throw new PeerCallError(
        `peer ${address} answered ${res.status} without a valid signature (wrong cluster token?)`,
        res.status,
      );
    }
    let parsed: unknown;
    try {
      parsed = answer ? JSON.parse(answer) : undefined;
    } catch {
      throw new PeerCallError(`peer ${address} sent malformed JSON`, res.status);
    }
    return { status: res.status, nodeId, body: parsed as T };
  }
}
