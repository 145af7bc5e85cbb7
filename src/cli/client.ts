/**
 * The CLI's way to the appliance: RIM_URL (default http://localhost:7878) and
 * the admin token from RIM_ADMIN_TOKEN or, when the appliance is local and the
 * variable is unset, from the token file in RIM_DATA_DIR (default ./data).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { adminTokenFile } from '../adapters/admin-token.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ClientConfig {
  url: string;
  token?: string;
  /** Where the token came from, to say so when it is missing or refused. */
  tokenSource: string;
}

const LOCAL = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/;

/** Where a local appliance keeps its admin token: RIM_DATA_DIR (default ./data), as the appliance reads it. */
export const localTokenFile = (env: Record<string, string | undefined>, cwd = process.cwd()): string =>
  adminTokenFile(resolve(cwd, env.RIM_DATA_DIR || './data'));

export function clientConfig(env: Record<string, string | undefined>, cwd = process.cwd()): ClientConfig {
  const url = (env.RIM_URL || 'http://localhost:7878').replace(/\/+$/, '');
  if (env.RIM_ADMIN_TOKEN) return { url, token: env.RIM_ADMIN_TOKEN, tokenSource: 'RIM_ADMIN_TOKEN' };
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new ApiError('usage', `RIM_URL is not a URL: ${url}`);
  }
  const file = localTokenFile(env, cwd);
  if (!LOCAL.test(host)) return { url, tokenSource: `RIM_ADMIN_TOKEN is unset and ${url} is not local` };
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (!token) return { url, tokenSource: `RIM_ADMIN_TOKEN is unset and ${file} is empty` };
    return { url, token, tokenSource: file };
  } catch {
    return { url, tokenSource: `RIM_ADMIN_TOKEN is unset and ${file} is not readable` };
  }
}

const HOW_TO_GET_IT =
  "set RIM_ADMIN_TOKEN to the box's token: `rim token` on the box, " + '`docker exec rim rim token` in a container';

/**
 * A 401 in the operator's words: no token at all, or a token the appliance
 * refused (a stale ./data/admin-token, another box's token).
 */
export function unauthorizedError(cfg: ClientConfig): ApiError {
  if (!cfg.token) {
    return new ApiError(
      'unauthorized',
      `no admin token found (set RIM_ADMIN_TOKEN or run \`rim token\` on the box): ${cfg.tokenSource}`,
      401,
    );
  }
  return new ApiError(
    'token-rejected',
    `the admin token was rejected by the appliance at ${cfg.url}` +
      ` (token from ${cfg.tokenSource}); ${HOW_TO_GET_IT}`,
    401,
  );
}

export class ApiClient {
  constructor(
    private readonly cfg: ClientConfig,
    private readonly timeoutMs = 30_000,
  ) {}

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * POSTs one frame's raw bytes; its status and round-trip ms (status 0: no answer within timeoutMs). Throws
   * `unreachable` when no box answers at all (refused, reset).
   */
  async sendFrame(path: string, body: Uint8Array, timeoutMs: number): Promise<{ status: number; ms: number }> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (this.cfg.token) headers.authorization = `Bearer ${this.cfg.token}`;
    const started = performance.now();
    try {
      const res = await fetch(`${this.cfg.url}${path}`, {
        method: 'POST',
        headers,
        body: body as unknown as BodyInit,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - started };
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') return { status: 0, ms: performance.now() - started };
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new ApiError('unreachable', `the appliance at ${this.cfg.url} stopped answering (${cause})`);
    }
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cfg.token) headers.authorization = `Bearer ${this.cfg.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.cfg.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new ApiError(
        'unreachable',
        `cannot reach the appliance at ${this.cfg.url} (${cause}); is it running? (RIM_URL)`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status === 401) throw unauthorizedError(this.cfg);
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const message = err?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`;
      throw new ApiError(err?.code ?? `http-${res.status}`, message, res.status);
    }
    return json as T;
  }
}
