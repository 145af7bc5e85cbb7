/**
 * The chaos run in CI: `npm run chaos -- --minutes 2 --seed 14` on its own
 * 3-box test cluster (a per-process prefix and /24, as the other cluster
 * tests pick them), with frames flowing and seeded faults. It must report
 * no violation (one leader per term, every admitted deployment running as
 * planned and within its SLO after the recovery bound, no container without
 * an owner) and no lost acknowledged change; it removes its cluster itself,
 * even when it fails.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEED = 14;

interface ChaosJson {
  summary: { seed: number; faultsInjected: number; lostAcknowledgedChanges: number; violations: number };
  schedule: { kind: string }[];
  violations: string[];
  lost: string[];
}

describe('chaos: two minutes of seeded faults on the 3-box test cluster', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rim-chaos-it-'));
  let child: ChildProcess | undefined;
  after(() => {
    // A test cancelled by its timeout still lets the run clean up (its SIGTERM handler removes the cluster).
    if (child && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports 0 violations and 0 lost acknowledged changes', async () => {
    const out = join(dir, 'chaos.json');
    const prefix = `rimitchaos${process.pid % 10000}`;
    const env = { ...process.env };
    delete env.RIM_PREFIX;
    delete env.RIM_NET_BASE;
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/chaos/run.ts',
        '--minutes',
        '2',
        '--seed',
        String(SEED),
        '--json',
        out,
        '--prefix',
        prefix,
      ],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    const run = child;
    run.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    run.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    const left = execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n.startsWith(`${prefix}-`) || n.startsWith(`rim-${prefix}-`));
    assert.deepEqual(left, [], 'the run removes its boxes and their replicas');
    assert.ok(existsSync(out), `the run wrote no ${out} (exit ${code}):\n${log}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as ChaosJson;
    assert.equal(result.summary.seed, SEED);
    assert.ok(result.summary.faultsInjected >= 3, `only ${result.summary.faultsInjected} faults injected\n${log}`);
    assert.deepEqual(result.violations, [], log);
    assert.deepEqual(result.lost, [], log);
    assert.equal(result.summary.violations, 0);
    assert.equal(result.summary.lostAcknowledgedChanges, 0);
    assert.equal(code, 0, log);
  });
});
