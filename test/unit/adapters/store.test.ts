import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadAdminToken } from '../../../src/adapters/admin-token.js';
import { LowdbStore, STATE_FILE, newNodeId } from '../../../src/adapters/lowdb-store.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rim-store-'));
  dirs.push(d);
  return d;
};

describe('lowdb store', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('creates an empty document and a node id once, and keeps both across reopen', async () => {
    const dir = temp();
    const a = await LowdbStore.open(dir, { clusterName: 'lab' });
    assert.equal(a.read().version, 0);
    assert.equal(a.read().clusterName, 'lab');
    const id = a.local().nodeId;
    assert.match(id, /^[a-z0-9-]+-[0-9a-f]{4}$/);
    await a.update((d) => {
      d.deployments.push({ name: 'cam', app: 'x', fps: 1, latencyMs: 1, priority: 0, createdAt: 1 });
    });
    const b = await LowdbStore.open(dir, { clusterName: 'other' });
    assert.equal(b.local().nodeId, id);
    assert.equal(b.read().version, 1);
    assert.equal(b.read().clusterName, 'lab');
    assert.equal(b.read().deployments[0]!.name, 'cam');
    assert.equal(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).cluster.version, 1);
  });

  it('serialises updates: concurrent read-modify-writes all land, one version each', async () => {
    const s = await LowdbStore.open(temp(), { clusterName: 'rim' });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.update((d) => {
          d.profiles.push({
            app: 'a',
            module: `m${i}`,
            accelerator: 'cpu',
            maxFps: 1,
            latencyMs: 1,
            cpuCores: 1,
            memoryMB: 1,
            digest: 'd',
            state: 'ok',
            measuredAt: i,
          });
        }),
      ),
    );
    assert.equal(s.read().version, 20);
    assert.equal(s.read().profiles.length, 20);
  });

  it('close() lets queued writes land and refuses later ones; a reopen sees the last queued write', async () => {
    const dir = temp();
    const s = await LowdbStore.open(dir, { clusterName: 'rim' });
    const queued = Array.from({ length: 5 }, (_, i) =>
      s.updateLocal((l) => {
        l.mark = i;
      }),
    );
    await s.close();
    await Promise.all(queued);
    await assert.rejects(
      s.updateLocal((l) => {
        l.mark = 'late';
      }),
      (e: Error & { code?: string }) => e.code === 'store-closed' && e.message.includes(STATE_FILE),
    );
    await assert.rejects(
      s.update(() => undefined),
      { code: 'store-closed' },
    );
    const reopened = await LowdbStore.open(dir, { clusterName: 'rim' });
    assert.equal(reopened.local().mark, 4);
    assert.equal(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')).local.mark, 4);
  });

  it('changes nothing when the update function throws; reads are copies', async () => {
    const s = await LowdbStore.open(temp(), { clusterName: 'rim' });
    await assert.rejects(
      s.update((d) => {
        d.apps = [];
        d.clusterName = 'changed';
        throw new Error('no');
      }),
      /no/,
    );
    assert.equal(s.read().version, 0);
    assert.equal(s.read().clusterName, 'rim');
    s.read().members.push({ id: 'x', address: 'a', joinedAt: 0, lastSeen: 0, state: 'alive' });
    assert.equal(s.read().members.length, 0);
    await s.updateLocal((l) => {
      l.term = 3;
    });
    assert.equal(s.local().term, 3);
  });

  it('says which file is broken instead of starting on an empty document', async () => {
    const dir = temp();
    writeFileSync(join(dir, STATE_FILE), '{ broken');
    await assert.rejects(LowdbStore.open(dir, { clusterName: 'rim' }), /rim-state\.json cannot be read/);
  });

  it('makes node ids from the host name', () => {
    assert.match(newNodeId('My_Box.local'), /^my-box-local-[0-9a-f]{4}$/);
    assert.match(newNodeId('___'), /^node-[0-9a-f]{4}$/);
  });

  it('generates the admin token once; the configured one wins', async () => {
    const dir = temp();
    const a = await loadAdminToken(dir);
    assert.equal(a.generated, true);
    assert.ok(a.token.length >= 32);
    const b = await loadAdminToken(dir);
    assert.deepEqual([b.token, b.generated, b.source], [a.token, false, 'file']);
    const c = await loadAdminToken(dir, 'from-config-0123456789');
    assert.deepEqual([c.token, c.generated], ['from-config-0123456789', false]);
  });
});
