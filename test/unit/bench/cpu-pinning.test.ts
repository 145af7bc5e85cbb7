/**
 * The benches' CPU pinning (bench/cpu-pinning.ts): the split (the last allowed CPU for the system under test,
 * the others for the load), the fall-back with a reason (one CPU, no taskset, no /proc), and a real pin of
 * every thread of a child process, and of nginx's master and worker, read back from /proc.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { affinityOf, allowedCpus, parseCpuList, pin, planPinning } from '../../../bench/cpu-pinning.js';
import { findNginx, startNginx } from '../../../bench/router/nginx.js';

const cpus = allowedCpus();
const canPin = cpus !== undefined && cpus.length >= 2 && spawnSync('taskset', ['-V']).status === 0;

describe('bench CPU pinning', () => {
  it("reads taskset's list syntax", () => {
    assert.deepEqual(parseCpuList('0-2,5'), [0, 1, 2, 5]);
    assert.deepEqual(parseCpuList('3'), [3]);
    assert.deepEqual(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-1\n'), [0, 1]);
    assert.equal(allowedCpus('Name:\tnode\n'), undefined);
  });

  it('gives the system under test the last CPU and the load all the others', () => {
    assert.deepEqual(planPinning([0, 1], true), { sut: '1', load: '0' });
    assert.deepEqual(planPinning([0, 1, 2, 3], true), { sut: '3', load: '0,1,2' });
  });

  it('falls back to no pinning, with the reason, on one CPU, without taskset or without /proc', () => {
    assert.match((planPinning([0], true) as { reason: string }).reason, /only 1 CPU/);
    assert.match((planPinning([0, 1], false) as { reason: string }).reason, /taskset/);
    assert.match((planPinning(undefined, true) as { reason: string }).reason, /affinity/);
  });

  it('pins every thread of a running process', { skip: !canPin && 'fewer than 2 CPUs or no taskset' }, async () => {
    // Pinned once it runs JavaScript: its V8 and libuv threads exist by then (threads started later inherit).
    const child = spawn(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise((r) => child.stdout!.once('data', r));
      assert.ok(readdirSync(`/proc/${child.pid}/task`).length > 1, 'threads besides the main one');
      const target = String(cpus!.at(-1));
      pin(child.pid!, target);
      assert.equal(affinityOf(child.pid!), target, 'every thread (V8 and libuv helpers too) on that CPU alone');
    } finally {
      child.kill('SIGKILL');
    }
  });

  const nginx = findNginx();
  it('starts nginx with master and worker on the given CPU', { skip: !(canPin && nginx) && 'no nginx' }, async () => {
    const upstream = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const ng = await startNginx(nginx!, (upstream.address() as AddressInfo).port, String(cpus!.at(-1)));
    try {
      const target = String(cpus!.at(-1));
      assert.equal(ng.affinity(), `${target} / ${target}`, 'the master and its one worker');
      assert.equal(await (await fetch(`http://127.0.0.1:${ng.port}/`)).text(), 'ok');
    } finally {
      await ng.stop();
      upstream.close();
    }
  });
});
