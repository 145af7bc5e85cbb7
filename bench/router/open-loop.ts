/**
 * Open-loop load at a fixed rate: frame i is due at t0 + i / rate whether or
 * not earlier frames have been answered, and its latency runs from when it
 * was due (not when the generator got round to sending it), so a slow path
 * cannot slow the load down and hide its own queueing (coordinated omission).
 * Frames due while `maxInFlight` are outstanding are shed and count as failed.
 */
import http from 'node:http';
import { percentile } from './bootstrap.js';

export interface StepResult {
  /** Frames per second asked for. */
  rate: number;
  /** Frames due in the measured window. */
  frames: number;
  /** Of those, answered 200. */
  ok: number;
  /** Answered otherwise, failed, shed at the in-flight cap, or unanswered 2 s after the window. */
  failed: number;
  /** ok frames per second over the window. */
  okFps: number;
  p50: number;
  p99: number;
  /** Each measured frame's latency (ms) in due order, NaN when not answered 200 (runInterleaved: pairs by index). */
  byFrame: number[];
}

/** One frame's POST; resolves with its status (0 when the connection failed). */
export type Send = () => Promise<number>;

export function poster(port: number, path: string, body: Buffer, maxSockets: number): { send: Send; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  const headers = { 'content-type': 'application/octet-stream', 'content-length': body.length };
  const send: Send = () =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export interface StepOptions {
  seconds: number;
  warmupS: number;
  /** Per path: frames due while this many of the path's are outstanding are shed. */
  maxInFlight: number;
  onWindow?: (phase: 'start' | 'end') => void;
}

/** `warmupS` at the rate unmeasured, then `seconds` measured; waits for the window's frames (at most 2 s more). */
export async function runStep(send: Send, rate: number, opts: StepOptions): Promise<StepResult> {
  return (await runInterleaved([send], rate, opts))[0]!;
}

/**
 * Like runStep, for several paths at once, each at `rate`: their frames take
 * turns (path k's frame i is due at (i + k / paths) / rate), so what else the
 * machine runs during the window falls on every path alike. One result per path.
 */
export async function runInterleaved(sends: Send[], rate: number, opts: StepOptions): Promise<StepResult[]> {
  const n = sends.length;
  const paths = sends.map(() => ({
    lat: [] as number[],
    byFrame: [] as number[],
    ok: 0,
    failed: 0,
    frames: 0,
    inFlight: 0,
    measuredOut: 0,
  }));
  let closed = false;
  const t0 = nowMs();
  const measureFrom = t0 + opts.warmupS * 1000;
  const end = measureFrom + opts.seconds * 1000;
  const gap = 1000 / rate / n;
  let next = 0;
  let started = false;
  const outstanding = (k: 'inFlight' | 'measuredOut') => paths.reduce((a, p) => a + p[k], 0);
  for (;;) {
    const now = nowMs();
    if (!started && now >= measureFrom) {
      started = true;
      opts.onWindow?.('start');
    }
    for (; t0 + next * gap <= now; next++) {
      const due = t0 + next * gap;
      if (due >= end) break;
      const path = paths[next % n]!;
      const measured = due >= measureFrom;
      const slot = path.frames;
      if (measured) {
        path.frames++;
        path.byFrame.push(NaN);
      }
      if (path.inFlight >= opts.maxInFlight) {
        if (measured) path.failed++;
        continue;
      }
      path.inFlight++;
      if (measured) path.measuredOut++;
      void sends[next % n]!().then((status) => {
        path.inFlight--;
        if (!measured || closed) return;
        path.measuredOut--;
        if (status === 200) {
          const ms = nowMs() - due;
          path.ok++;
          path.lat.push(ms);
          path.byFrame[slot] = ms;
        } else path.failed++;
      });
    }
    if (t0 + next * gap >= end) break;
    await sleep(Math.min(1, Math.max(0, t0 + next * gap - nowMs())));
  }
  const drainUntil = nowMs() + 2000;
  while (outstanding('measuredOut') > 0 && nowMs() < drainUntil) await sleep(5);
  opts.onWindow?.('end');
  closed = true; // a frame not answered by now has failed; its late answer is ignored
  for (const p of paths) p.failed += p.measuredOut;
  // Frames still out belong to this step; the next step starts once they are answered (or 2 s more).
  const settleUntil = nowMs() + 2000;
  while (outstanding('inFlight') > 0 && nowMs() < settleUntil) await sleep(5);
  return paths.map((p) => {
    const lat = p.lat.sort((a, b) => a - b);
    return {
      rate,
      frames: p.frames,
      ok: p.ok,
      failed: p.failed,
      okFps: p.ok / opts.seconds,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      byFrame: p.byFrame,
    };
  });
}
