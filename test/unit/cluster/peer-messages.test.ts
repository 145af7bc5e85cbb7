/**
 * The peer protocol's bodies at the boundary: each of the six Raft message
 * types is taken with its own fields and refused without them; terms and
 * positions are non-negative integers, sender and receiver are named;
 * hellos, joins, proposals, replica and stats answers and profiling tasks
 * keep their bounds. A body a schema lets through reaches the election or the
 * leader's work as if a member had sent it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  helloSchema,
  joinSchema,
  parseRaftMessage,
  PROTOCOL_VERSION,
  profileTaskSchema,
  proposeSchema,
  replicasAnswerSchema,
  statsAnswerSchema,
} from '../../../src/cluster/peer-messages.js';
import { ValidationError } from '../../../src/domain/errors.js';
import type { z } from 'zod';

const doc = { version: 1, clusterName: 't', profiles: [], members: [], apps: [], deployments: [] };
const at = { term: 2, index: 7 };
const base = { term: 2, from: 'n1', to: 'n2' };
const messages: Record<string, Record<string, unknown>> = {
  'prevote-req': { ...base, type: 'prevote-req', last: at },
  'prevote-resp': { ...base, type: 'prevote-resp', granted: true },
  'vote-req': { ...base, type: 'vote-req', last: at },
  'vote-resp': { ...base, type: 'vote-resp', granted: false },
  append: { ...base, type: 'append', head: at, commitIndex: 6, entry: { ...at, index: 8, voters: ['n1'], data: doc } },
  'append-resp': { ...base, type: 'append-resp', success: true, match: at },
};
/** The field each type cannot do without (besides term, from and to). */
const own: Record<string, string> = {
  'prevote-req': 'last',
  'prevote-resp': 'granted',
  'vote-req': 'last',
  'vote-resp': 'granted',
  append: 'head',
  'append-resp': 'match',
};

function refusedAt(body: unknown, field: string) {
  assert.throws(
    () => parseRaftMessage(body),
    (e: unknown) => e instanceof ValidationError && e.field === field,
    `${JSON.stringify(body).slice(0, 120)} refused at ${field}`,
  );
}

test('each Raft message type is taken with its fields, and refused without its own', () => {
  for (const [type, msg] of Object.entries(messages)) {
    assert.deepEqual(parseRaftMessage(msg), msg, type);
    const { [own[type]!]: _, ...without } = msg;
    refusedAt(without, own[type]!);
    for (const k of ['term', 'from', 'to']) {
      const { [k]: _k, ...missing } = msg;
      refusedAt(missing, k);
    }
  }
  const { entry: _, ...heartbeat } = messages.append!;
  assert.deepEqual(parseRaftMessage(heartbeat), heartbeat, 'an append without an entry is a heartbeat');
  refusedAt({ ...messages.append, commitIndex: undefined }, 'commitIndex');
  refusedAt({ ...messages['vote-req'], type: 'vote' }, 'type');
});

test('terms, indices and commit indices are non-negative integers; sender and receiver are named', () => {
  const append = messages.append!;
  for (const bad of [-1, 1.5, '2']) {
    refusedAt({ ...append, term: bad }, 'term');
    refusedAt({ ...append, commitIndex: bad }, 'commitIndex');
    refusedAt({ ...append, head: { term: bad, index: 1 } }, 'head.term');
    refusedAt({ ...append, head: { term: 1, index: bad } }, 'head.index');
  }
  assert.equal(parseRaftMessage({ ...append, term: 0, commitIndex: 0, head: { term: 0, index: 0 } }).term, 0);
  refusedAt({ ...append, from: '' }, 'from');
  refusedAt({ ...append, to: '' }, 'to');
  refusedAt({ ...append, entry: { ...at, voters: 'n1', data: doc } }, 'entry.voters');
  refusedAt({ ...append, entry: { ...at, voters: ['n1'], data: { ...doc, version: 'x' } } }, 'entry.data.version');
});

const ok = (schema: z.ZodType, v: unknown) => assert.equal(schema.safeParse(v).success, true, JSON.stringify(v));
const no = (schema: z.ZodType, v: unknown) => assert.equal(schema.safeParse(v).success, false, JSON.stringify(v));

test('hello, join and propose bodies keep their bounds; the protocol version is "1"', () => {
  assert.equal(PROTOCOL_VERSION, '1');
  const hello = { id: 'n1', cluster: 'c', v: '1', initialized: true, leader: null, term: 0 };
  ok(helloSchema, hello);
  ok(helloSchema, { ...hello, id: 'x'.repeat(63), members: 0, address: '10.0.0.1:7070', leader: 'n2' });
  for (const change of [{ id: '' }, { id: 'x'.repeat(64) }, { cluster: '' }, { term: -1 }, { members: -1 }])
    no(helloSchema, { ...hello, ...change });
  const inventory = { id: 'n1', cpus: 4, memoryMB: 8192, accelerators: [{ id: 'gpu0', model: 'T4', memoryMB: 16e3 }] };
  ok(helloSchema, { ...hello, inventory });
  for (const bad of [
    { ...inventory, cpus: undefined },
    { ...inventory, accelerators: [{ id: 'gpu0', memoryMB: 1 }] },
  ]) {
    no(helloSchema, { ...hello, inventory: bad });
    no(joinSchema, { id: 'n1', address: 'a:1', inventory: bad });
  }
  const join = { id: 'n1', address: 'a:1' };
  ok(joinSchema, join);
  ok(joinSchema, { ...join, inventory });
  for (const change of [{ id: '' }, { id: 'x'.repeat(64) }, { address: 'a:' }]) no(joinSchema, { ...join, ...change });
  ok(proposeSchema, { baseVersion: 0, doc });
  no(proposeSchema, { baseVersion: -1, doc });
  no(proposeSchema, { baseVersion: 1.5, doc });
});

test('replica and stats answers: known replica states, non-negative arrivals, bounded latencies and busy', () => {
  const replica = {
    name: 'r',
    app: 'a',
    module: 'm',
    variant: 'default',
    port: 1,
    accelerator: 'cpu',
    state: 'running',
    restarts: 0,
  };
  for (const state of ['pending', 'starting', 'running', 'backoff', 'crash-loop', 'stopped'])
    ok(replicasAnswerSchema, { replicas: [{ ...replica, state }], arrivals: { cam: 0 } });
  no(replicasAnswerSchema, { replicas: [{ ...replica, state: 'gone' }], arrivals: {} });
  no(replicasAnswerSchema, { replicas: [], arrivals: { cam: -1 } });
  const counts = { ok: 1, 'rate-limited': 0, unavailable: 0, 'deadline-missed': 0, refused: 0 };
  const stats = (d: Record<string, unknown>) => ({
    deployments: { cam: { counts, offeredFps: 1, finishedFps: 1, latencies: [], ...d } },
  });
  ok(statsAnswerSchema, stats({ latencies: Array(4096).fill(1) }));
  no(statsAnswerSchema, stats({ latencies: Array(4097).fill(1) }));
  for (const busy of [0, 1])
    ok(statsAnswerSchema, stats({ replicas: { r: { node: 'n', module: 'm', servedFps: 1, busy } } }));
  for (const busy of [-0.1, 1.1])
    no(statsAnswerSchema, stats({ replicas: { r: { node: 'n', module: 'm', servedFps: 1, busy } } }));
  no(statsAnswerSchema, stats({ counts: { ...counts, refused: undefined } }));
});

test('a profiling task is exact: bounded names, nothing unknown', () => {
  const target = { app: 'a', module: 'm', accelerator: 'cpu', digest: 'sha256:x' };
  const task = { task: 't1', target, shared: false };
  ok(profileTaskSchema, task);
  ok(profileTaskSchema, { ...task, acceleratorId: 'gpu0', target: { ...target, variant: 'tiny' } });
  for (const change of [
    { task: '' },
    { task: 'x'.repeat(201) },
    { extra: 1 },
    { target: { ...target, app: '' } },
    { target: { ...target, module: 'x'.repeat(64) } },
    { target: { ...target, digest: '' } },
    { target: { ...target, extra: 1 } },
    { acceleratorId: '' },
  ])
    no(profileTaskSchema, { ...task, ...change });
});
