/**
 * rim load DEPLOYMENT --fps F --duration S [--burst] [--input FILE]: plays
 * frames against the box at RIM_URL at a rate, open loop, for a bounded
 * time, and prints what it sent, what came back in time (200 within the
 * deployment's latency target), 429s and 503s, and the latency percentiles
 * it measured itself. The body is --input's bytes, else a small generated
 * one (an app's sample input lives in its image, not readable over the API).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiError } from '../client.js';
import { numberArg, type CliContext } from '../context.js';
import { CliFailure, EXIT } from '../exit-codes.js';
import { summarise, type LoadSummary } from '../load/load-summary.js';
import { BoxGoneError, play } from '../load/play.js';
import { sendTimes } from '../load/schedule.js';
import { show, table } from '../output.js';

/** A run is bounded: at most an hour. */
export const MAX_DURATION_S = 3600;

interface LoadOptions {
  fps: number;
  duration: number;
  burst?: boolean;
  input?: string;
}

interface Target {
  name: string;
  fps: number;
  latencyMs: number;
  state: string;
}

const GENERATED = Buffer.from(JSON.stringify({ rim: 'load', note: 'a generated frame' }));

export function loadText(name: string, fps: number, s: LoadSummary, target: Target): string {
  const p = s.latencyMs;
  const rows = [
    { what: 'sent', frames: s.sent },
    { what: `in time (200 within ${target.latencyMs} ms)`, frames: s.inTime },
    { what: 'late (200 after the target)', frames: s.late },
    { what: 'refused over the admitted rate (429)', frames: s.rateLimited },
    { what: 'unavailable (503)', frames: s.unavailable },
    { what: 'other answers', frames: s.other },
    { what: 'no answer', frames: s.noAnswer },
  ];
  return (
    `${name} at ${fps} fps (admitted ${target.fps} fps)\n${table(rows, [['what'], ['frames']])}\n` +
    `latency of the 200s (ms, measured here): p50 ${p.p50 ?? '-'} p95 ${p.p95 ?? '-'} p99 ${p.p99 ?? '-'}`
  );
}

export function registerLoadCommand(program: Command, ctx: CliContext): void {
  program
    .command('load')
    .argument('<deployment>', 'a deployment')
    .description('play frames against a deployment at a rate (open loop) and report what came back')
    .requiredOption('--fps <fps>', 'frames per second to send', numberArg('--fps', { min: 0 }))
    .requiredOption(
      '--duration <s>',
      `seconds to send for (at most ${MAX_DURATION_S})`,
      numberArg('--duration', { min: 0 }),
    )
    .option('--burst', "send each second's frames together at the start of the second")
    .option('--input <file>', 'the frame body to send (default: a small generated one)')
    .action(async (name: string, o: LoadOptions, cmd: Command) => {
      if (o.duration > MAX_DURATION_S) {
        throw new CliFailure('usage', `--duration: at most ${MAX_DURATION_S} s (see --help)`, EXIT.usage);
      }
      let body: Buffer = GENERATED;
      if (o.input) {
        try {
          body = readFileSync(o.input);
        } catch (e) {
          throw new CliFailure(
            'usage',
            `--input: cannot read ${o.input} (${(e as Error).message}) (see --help)`,
            EXIT.usage,
          );
        }
      }
      const client = ctx.client();
      const path = `/v1/deployments/${encodeURIComponent(name)}`;
      let target: Target;
      try {
        target = await client.get<Target>(path);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          throw new CliFailure(
            'not-found',
            `deployment "${name}" does not exist (rim deployments ls); nothing sent`,
            EXIT.refused,
          );
        }
        throw e;
      }
      if (o.fps > target.fps) {
        process.stderr.write(
          `warning: ${o.fps} fps is above the ${target.fps} fps admitted for ${name}: ` +
            `the excess will be refused with 429\n`,
        );
      }
      const timeoutMs = Math.min(30_000, Math.max(1000, target.latencyMs * 4));
      const run = await play(sendTimes(o.fps, o.duration, o.burst), {
        send: async () => {
          try {
            return await client.sendFrame(`${path}/frames`, body, timeoutMs);
          } catch (e) {
            throw e instanceof ApiError && e.code === 'unreachable' ? new BoxGoneError(e.message) : e;
          }
        },
        now: () => performance.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      });
      const summary = summarise(run.results, target.latencyMs);
      const data = { deployment: name, fps: o.fps, durationS: o.duration, burst: Boolean(o.burst), ...summary };
      show(ctx.out(cmd), run.stopped ? { ...data, stopped: run.stopped } : data, () =>
        loadText(name, o.fps, summary, target),
      );
      if (run.stopped) {
        throw new CliFailure(
          'unreachable',
          `${run.stopped}; stopped after ${summary.sent} frames (counts above)`,
          EXIT.refused,
        );
      }
    });
}
