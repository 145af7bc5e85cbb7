/**
 * The state file is trusted only once validated: a damaged one is replaced by
 * its last-good copy (with a warning), or refused naming the file and the
 * field; never read as an empty state (with Docker attached that removes
 * every replica).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LAST_GOOD_SUFFIX, LowdbStore, STATE_FILE } from '../../../src/adapters/lowdb-store.js';
import { StateFileError } from '../../../src/adapters/store.js';
import type { RegisteredApp } from '../../../src/domain/types.js';
import { main } from '../../../src/main.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rim-state-'));
  dirs.push(d);
  return d;
};
const app: RegisteredApp = {
  name: 'single',
  image: 'rim/single:1',
  digest: 'sha256:abc',
  registeredAt: 1,
  manifest: {
    apiVersion: 'rim/v1',
    name: 'single',
    entry: 'm',
    modules: [{ name: 'm', image: 'self', accelerator: 'cpu', next: [] }],
  },
};

/** A data dir holding a store with one app and one deployment (version 1), and its last-good copy. */
async function populated(): Promise<{ dir: string; file: string; good: string; text: string }> {
  const dir = temp();
  const s = await LowdbStore.open(dir, { clusterName: 'lab' });
  await s.update((d) => {
    d.apps.push(app);
    d.deployments.push({ name: 'cam', app: 'single', fps: 5, latencyMs: 300, priority: 0, createdAt: 1 });
  });
  const file = join(dir, STATE_FILE);
  return { dir, file, good: file + LAST_GOOD_SUFFIX, text: readFileSync(file, 'utf8') };
}

/** Damages, each with the field its error must name. */
const damages: [what: string, damage: (text: string) => string, field: RegExp][] = [
  ['one changed byte in a key', (t) => t.replace('"cluster"', '"clustes"'), /field cluster: /],
  ['one changed byte in the JSON', (t) => t.replace('"version": 1', '"version"; 1'), /not valid JSON at position \d+/],
  ['a file holding {}', () => '{}', /field cluster: /],
  ['a wrong-typed field', (t) => t.replace('"fps": 5', '"fps": "5"'), /field cluster\.deployments\[0\]\.fps: /],
  [
    'a stored app whose manifest asks for privileged mode',
    (t) => t.replace('"accelerator": "cpu"', '"accelerator": "cpu", "privileged": true'),
    /field cluster\.apps\[0\]\.manifest\.modules\[0\]\.privileged: privileged mode is never granted/,
  ],
  ['a truncated file', (t) => t.slice(0, t.length / 2), /not valid JSON/],
  [
    'a value nested 20,000 deep',
    (t) => t.replace('"sha256:abc"', `${'['.repeat(20_000)}${']'.repeat(20_000)}`),
    /field cluster\.apps\[0\]\.digest(\[0\])+: nested deeper than 32 levels/,
  ],
];

describe('state file: validated on load, a last-good copy kept', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes a last-good copy with the same content after each write', async () => {
    const { good, text } = await populated();
    assert.equal(readFileSync(good, 'utf8'), text);
    assert.equal(JSON.parse(text).cluster.version, 1);
  });

  for (const [what, damage, field] of damages) {
    it(`${what}: starts from the last-good copy, warns naming file and field, keeps the damaged one`, async () => {
      const { dir, file, text } = await populated();
      writeFileSync(file, damage(text));
      const warnings: string[] = [];
      const s = await LowdbStore.open(dir, {
        clusterName: 'lab',
        warn: (m) => {
          warnings.push(m);
        },
      });
      assert.equal(s.read().version, 1);
      assert.deepEqual(
        s.read().deployments.map((d) => d.name),
        ['cam'],
        'the state is the last good one, not empty',
      );
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0]!.includes(file), warnings[0]);
      assert.match(warnings[0]!, field);
      assert.match(warnings[0]!, /started from the last-good copy/);
      const aside = readdirSync(dir).find((f) => f.startsWith(`${STATE_FILE}.damaged-`));
      assert.ok(aside, 'the damaged file is kept for the operator');
      assert.equal(readFileSync(join(dir, aside), 'utf8'), damage(text));
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), JSON.parse(text), 'the state file is whole again');
    });

    it(`${what}, with no good copy: refuses to open, naming the file and the field, and changes nothing`, async () => {
      const { dir, file, good, text } = await populated();
      writeFileSync(file, damage(text));
      rmSync(good);
      await assert.rejects(LowdbStore.open(dir, { clusterName: 'lab' }), (e: unknown) => {
        assert.ok(e instanceof StateFileError, String(e));
        assert.ok(e.message.includes(file), e.message);
        assert.match(e.message, field);
        assert.match(e.message, /does not start on an empty state/);
        return true;
      });
      assert.equal(readFileSync(file, 'utf8'), damage(text), 'the damaged file is left as it was');
      assert.equal(existsSync(good), false);
    });
  }

  it('refuses when the last-good copy is damaged too, naming both', async () => {
    const { dir, file, good } = await populated();
    writeFileSync(file, '{}');
    writeFileSync(good, '{"cluster": 1, "local": {}}');
    await assert.rejects(
      LowdbStore.open(dir, { clusterName: 'lab' }),
      (e: unknown) =>
        e instanceof StateFileError &&
        e.message.includes(`${file} cannot be read: damaged (field cluster:`) &&
        e.message.includes(`${good} is damaged too (field cluster:`),
    );
  });

  it('a missing state file with a last-good copy is restored from it, not started empty', async () => {
    const { dir, file } = await populated();
    rmSync(file);
    const warnings: string[] = [];
    const s = await LowdbStore.open(dir, {
      clusterName: 'lab',
      warn: (m) => {
        warnings.push(m);
      },
    });
    assert.equal(s.read().deployments.length, 1);
    assert.match(warnings[0]!, /is missing; started from the last-good copy/);
  });

  it('the appliance exits 2 with the message when the state cannot be trusted', async () => {
    const { dir, file, good, text } = await populated();
    writeFileSync(file, damage(text));
    rmSync(good);
    const written: string[] = [];
    const write = process.stderr.write;
    const capture = (chunk: string) => {
      written.push(String(chunk));
      return true;
    };
    process.stderr.write = capture as typeof process.stderr.write;
    let code: number;
    // Had it started, it would run until a signal: send one, so that the test ends (and fails) either way.
    const bound = setTimeout(() => process.emit('SIGTERM'), 5000);
    try {
      code = await main({ RIM_DATA_DIR: dir, RIM_API_PORT: '0', RIM_API_HOST: '127.0.0.1', RIM_LOG_LEVEL: 'silent' });
    } finally {
      process.stderr.write = write;
      clearTimeout(bound);
    }
    assert.equal(code, 2);
    assert.match(
      written.join(''),
      /cannot start: store: .*rim-state\.json cannot be read: damaged \(field cluster\.deployments\[0\]\.fps: /,
    );
    function damage(t: string) {
      return t.replace('"fps": 5', '"fps": 5e-324');
    }
  });
});
