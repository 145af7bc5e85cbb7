/**
 * The driver detects a data dir that refuses writes (ENOSPC, EROFS, EACCES):
 * the step that needed the write is undone, a leader steps down, the change
 * fails at once instead of timing out, and leadership comes back once a
 * write succeeds (chaos finding, issue #14).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { RaftDriver } from '../../../src/cluster/raft-driver.js';
import type { PersistentState, Role } from '../../../src/domain/election/types.js';
import { createLogger } from '../../../src/log.js';

type Doc = { n: number };

test(
  'a leader that cannot persist steps down, refuses the change at once, and leads again once it can write',
  {
    timeout: 10_000,
  },
  async () => {
    let broken = false;
    let disk: PersistentState<Doc> | undefined;
    const logs: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          logs.push(String(chunk));
          cb();
        },
      }),
    });
    const driver = new RaftDriver<Doc>({
      id: 'solo',
      cfg: { electionMinMs: 40, electionMaxMs: 80, heartbeatMs: 10, maxPending: 64 },
      persistence: {
        load: () => undefined,
        save: async (s) => {
          if (broken) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          disk = structuredClone(s);
        },
      },
      send: () => undefined,
      now: Date.now,
      logger,
      tickMs: 5,
      proposeTimeoutMs: 60_000,
    });
    const roles: Role[] = [];
    let onLeader: () => void = () => undefined;
    driver.onRole((role) => {
      roles.push(role);
      if (role === 'leader') onLeader();
    });
    const leads = () => new Promise<void>((resolve) => (onLeader = resolve));
    const stop = new AbortController();
    try {
      const first = leads();
      await driver.bootstrap({ n: 0 });
      driver.start(stop.signal);
      await first;
      const stored = await driver.propose(() => ({ data: { n: 1 } }));
      assert.equal(stored?.data.n, 1);

      broken = true;
      const started = Date.now();
      await assert.rejects(
        driver.propose(() => ({ data: { n: 2 } })),
        /cannot write its data dir/,
      );
      assert.ok(Date.now() - started < 5_000, 'refused at once, not after the proposal timeout');
      assert.equal(driver.snapshot.role, 'follower', 'the leader stepped down');
      assert.equal(driver.snapshot.canPersist, false);
      assert.equal(driver.snapshot.pending.length, 0, 'the change that was not stored is undone');
      assert.equal(driver.snapshot.committed?.data.n, 1);
      assert.equal(disk?.committed?.data.n, 1);
      assert.ok(logs.some((l) => l.includes('stepping down')));

      const again = leads();
      broken = false;
      await again;
      assert.equal(driver.snapshot.canPersist, true);
      const after = await driver.propose(() => ({ data: { n: 3 } }));
      assert.equal(after?.data.n, 3);
      assert.equal(disk?.committed?.data.n, 3);
    } finally {
      stop.abort();
    }
  },
);
