import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, envNameOf, loadConfig } from '../../../src/config/load-config.js';
import { APPLIANCE_STRATEGIES } from '../../../src/config/placement-strategy.js';
import { configSchema } from '../../../src/config/schema.js';
import { STRATEGIES } from '../../../src/domain/placement/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rim-config-'));
const file = (name: string, body: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
};
const load = (env: Record<string, string>) => loadConfig(env, { root: dir, cwd: dir }).config;
const fails = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => load(env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );

describe('config', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has defaults for everything when there is no file', () => {
    const c = load({});
    assert.equal(c.api.port, 7878);
    assert.equal(c.api.openReads, true);
    assert.equal(c.dataDir, join(dir, 'data'));
    assert.equal(c.placement.headroom, 0.1);
    assert.equal(c.placement.strategy, 'rim');
    assert.deepEqual(c.ports.range, { from: 17000, to: 17999 });
    assert.equal(c.docker.sandboxImage, undefined, "the sandbox runs the appliance's own image");
    assert.equal(load({ RIM_DOCKER_SANDBOX_IMAGE: 'rim/appliance:1' }).docker.sandboxImage, 'rim/appliance:1');
    assert.equal(c.cluster.discovery.mdns, true);
    assert.equal(c.cluster.memberExpiry, 86_400_000);
    assert.deepEqual(c.accelerators.emulate, []);
    assert.equal(c.nodeId, undefined);
  });

  it('names env variables after the key path', () => {
    assert.equal(envNameOf(['placement', 'headroom']), 'RIM_PLACEMENT_HEADROOM');
    assert.equal(envNameOf(['dataDir']), 'RIM_DATA_DIR');
    assert.equal(envNameOf(['cluster', 'discovery', 'mdns']), 'RIM_CLUSTER_DISCOVERY_MDNS');
  });

  it('takes the file (RIM_CONFIG), then env over it; JSON for structured values', () => {
    const cfg = file('a.json', {
      api: { port: 9000, host: '127.0.0.1' },
      placement: { headroom: 0.3 },
      cluster: { name: 'lab', memberExpiry: '10m' },
    });
    const c = load({
      RIM_CONFIG: cfg,
      RIM_API_PORT: '9100',
      RIM_NODE_ID: 'box-1',
      RIM_DATA_DIR: '/var/lib/rim',
      RIM_LOG_LEVEL: 'debug',
      RIM_ACCELERATORS_EMULATE: '[{"model":"RTX 2080 Ti","cpus":1}]',
      RIM_CLUSTER_DISCOVERY_PEERS: '["10.0.0.2:7878"]',
      RIM_CLUSTER_DISCOVERY_MDNS: 'false',
      RIM_CLUSTER_TOKEN: 'a-cluster-token-of-16+',
      RIM_ADMIN_TOKEN: 'an-admin-token-of-16+',
    });
    assert.equal(c.api.port, 9100, 'env beats the file');
    assert.equal(c.api.host, '127.0.0.1', 'the file beats the default');
    assert.equal(c.placement.headroom, 0.3);
    assert.equal(c.cluster.name, 'lab');
    assert.equal(c.cluster.memberExpiry, 600_000);
    assert.equal(c.nodeId, 'box-1');
    assert.equal(c.dataDir, '/var/lib/rim');
    assert.equal(c.logLevel, 'debug');
    assert.deepEqual(c.accelerators.emulate, [{ model: 'RTX 2080 Ti', cpus: 1, memoryMB: 4096 }]);
    assert.deepEqual(c.cluster.discovery.peers, ['10.0.0.2:7878']);
    assert.equal(c.cluster.discovery.mdns, false);
    assert.equal(c.cluster.token, 'a-cluster-token-of-16+');
    assert.equal(c.adminToken, 'an-admin-token-of-16+');
  });

  it('a leaf env variable beats a structured one for the same object', () => {
    const c = load({ RIM_API: '{"port":1000,"openReads":false}', RIM_API_PORT: '2000' });
    assert.equal(c.api.port, 2000);
    assert.equal(c.api.openReads, false);
  });

  it('reads appliance.config.json at the package root when RIM_CONFIG is unset', () => {
    const root = mkdtempSync(join(tmpdir(), 'rim-root-'));
    writeFileSync(join(root, 'appliance.config.json'), JSON.stringify({ api: { port: 7000 } }));
    try {
      assert.equal(loadConfig({}, { root, cwd: root }).config.api.port, 7000);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the env variable and the key of a bad value', () => {
    fails({ RIM_API_PORT: 'abc' }, /^config: RIM_API_PORT \(api\.port\): expected a number 1–65535, got "abc"$/);
    fails({ RIM_API_PORT: '70000' }, /RIM_API_PORT \(api\.port\): expected a number 1–65535, got "70000"/);
    fails({ RIM_API_HEALTH_PORT: 'x' }, /RIM_API_HEALTH_PORT \(api\.healthPort\): expected a number 1–65535/);
    assert.equal(load({}).api.healthPort, undefined, 'no health listener unless asked for');
    assert.equal(load({ RIM_API_HEALTH_PORT: '7879' }).api.healthPort, 7879);
    fails({ RIM_PLACEMENT_HEADROOM: '2' }, /RIM_PLACEMENT_HEADROOM \(placement\.headroom\)/);
    fails(
      { RIM_PLACEMENT_STRATEGY: 'best' },
      /RIM_PLACEMENT_STRATEGY \(placement\.strategy\): expected one of rim, nexus/,
    );
    fails({ RIM_LOG_LEVEL: 'loud' }, /RIM_LOG_LEVEL \(logLevel\)/);
    fails({ RIM_NODE_ID: 'Not Valid' }, /RIM_NODE_ID \(nodeId\)/);
    fails(
      { RIM_ACCELERATORS_EMULATE: '[{"model":"T4"}]' },
      /RIM_ACCELERATORS_EMULATE \(accelerators\.emulate\.0\.cpus\)/,
    );
    fails({ RIM_PORTS_RANGE: '{"from":18000,"to":17000}' }, /RIM_PORTS_RANGE \(ports\.range\): expected from <= to/);
    fails({ RIM_CLUSTER_MEMBER_EXPIRY: 'soon' }, /RIM_CLUSTER_MEMBER_EXPIRY \(cluster\.memberExpiry\)/);
    fails({ RIM_CLUSTER_TOKEN: 'short' }, /RIM_CLUSTER_TOKEN \(cluster\.token\): expected at least 16 characters/);
  });

  it('takes the network and per-pair links, and names the key of a bad link', () => {
    const c = load({
      RIM_CLUSTER_NETWORK: '{"rttMs":2}',
      RIM_CLUSTER_LINKS: '[{"a":"box-1","b":"box-2","bandwidthMbps":100,"rttMs":5}]',
    });
    assert.deepEqual(c.cluster.network, { rttMs: 2 });
    assert.deepEqual(c.cluster.links, [{ a: 'box-1', b: 'box-2', bandwidthMbps: 100, rttMs: 5 }]);
    assert.deepEqual(load({}).cluster.links, [], 'none by default: measured at join');
    const link = (l: object) => ({
      RIM_CLUSTER_LINKS: JSON.stringify([{ a: 'x', b: 'y', bandwidthMbps: 10, rttMs: 1, ...l }]),
    });
    fails(
      link({ bandwidthMbps: 0 }),
      /RIM_CLUSTER_LINKS \(cluster\.links\.0\.bandwidthMbps\): expected a bandwidth > 0/,
    );
    fails(link({ rttMs: -1 }), /\(cluster\.links\.0\.rttMs\): expected an RTT >= 0 ms/);
    fails(link({ b: 'x' }), /\(cluster\.links\.0\): a link joins two different boxes \(both "x"\)/);
    fails(link({ latency: 3 }), /cluster\.links\.0/);
    fails(
      {
        RIM_CLUSTER_LINKS:
          '[{"a":"x","b":"y","bandwidthMbps":1,"rttMs":1},{"a":"y","b":"x","bandwidthMbps":2,"rttMs":1}]',
      },
      /\(cluster\.links\.1\): the link y–x is given twice/,
    );
    fails({ RIM_CLUSTER_NETWORK: '{"bandwidthMbps":-5}' }, /\(cluster\.network\.bandwidthMbps\)/);
  });

  it('takes every placement strategy of the registry that needs no solver, and refuses optimal naming the key', () => {
    const runnable = [...STRATEGIES.values()].filter((s) => !s.needs).map((s) => s.name);
    assert.deepEqual([...APPLIANCE_STRATEGIES], runnable);
    assert.ok(runnable.includes('rim') && !runnable.includes('optimal'));
    for (const name of runnable) assert.equal(load({ RIM_PLACEMENT_STRATEGY: name }).placement.strategy, name);
    fails(
      { RIM_PLACEMENT_STRATEGY: 'optimal' },
      new RegExp(
        '^config: RIM_PLACEMENT_STRATEGY \\(placement\\.strategy\\): "optimal" needs a MILP solver ' +
          '.*rim plan --strategy optimal.*expected one of rim, nexus, spread, ffd, got "optimal"$',
      ),
    );
    const bad = file('optimal.json', { placement: { strategy: 'optimal' } });
    fails({ RIM_CONFIG: bad }, /config: placement\.strategy in .*optimal\.json: "optimal" needs a MILP solver/);
    const parsed = configSchema.safeParse({ placement: { strategy: 'optimal' } });
    assert.deepEqual(
      parsed.error?.issues.map((i) => i.path.join('.')),
      ['placement.strategy'],
    );
  });

  it('names the key and the file for a bad file value, and refuses unknown keys', () => {
    const bad = file('bad.json', { api: { port: 'x' } });
    fails(
      { RIM_CONFIG: bad },
      new RegExp(`config: api\\.port in ${bad.replace(/[.]/g, '\\.')}: expected a number 1–65535, got "x"`),
    );
    fails({ RIM_CONFIG: file('typo.json', { placment: {} }) }, /placment in .*: unknown key/);
    fails({ RIM_CONFIG: file('broken.json', '{ nope') }, /not valid JSON/);
    fails({ RIM_CONFIG: join(dir, 'missing.json') }, /RIM_CONFIG: no such file/);
  });

  it("names a secret's key but never echoes its value, nor a structured value or file that holds one", () => {
    const secret = 'short-secret-xy';
    const long = 'a-long-cluster-secret-0123';
    const hides = (env: Record<string, string>, pattern: RegExp, ...secrets: string[]) =>
      assert.throws(
        () => load(env),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, pattern);
          for (const x of secrets) assert.ok(!e.message.includes(x), `${x} shown in: ${e.message}`);
          return true;
        },
      );
    const tooShort = 'expected at least 16 characters$';
    hides({ RIM_CLUSTER_TOKEN: secret }, new RegExp(`RIM_CLUSTER_TOKEN \\(cluster\\.token\\): ${tooShort}`), secret);
    hides({ RIM_ADMIN_TOKEN: secret }, new RegExp(`RIM_ADMIN_TOKEN \\(adminToken\\): ${tooShort}`), secret);
    // The whole RIM_CLUSTER JSON, holding the token, is never shown: not when it is bad, not when a key inside is.
    hides({ RIM_CLUSTER: `{"token":"${long}","discovery":5}` }, /RIM_CLUSTER \(cluster\.discovery\)/, long);
    hides({ RIM_CLUSTER: `not json {"token":"${long}"` }, /RIM_CLUSTER \(cluster\)/, long, 'not json');
    hides({ RIM_CLUSTER: `{"token": 12345678901234567890}` }, /RIM_CLUSTER \(cluster\.token\)/, '1234567890');
    hides(
      { RIM_CLUSTER: `{"token":"${secret}"}` },
      new RegExp(`RIM_CLUSTER \\(cluster\\.token\\): ${tooShort}`),
      secret,
    );
    // A token pasted into another key by mistake is not shown either.
    hides({ RIM_CLUSTER_TOKEN: long, RIM_NODE_ID: `${long}X` }, /RIM_NODE_ID \(nodeId\): expected lower-case/, long);
    // Nor from the file, bad or not valid JSON.
    hides(
      { RIM_CONFIG: file('secret.json', { adminToken: secret }) },
      new RegExp(`adminToken in .*: ${tooShort}`),
      secret,
    );
    // (JSON.parse's own message quotes the text around the fault: here, the token's start.)
    const broken = file('secret-broken.json', `{"cluster": {"token": ${long}}}`);
    hides({ RIM_CONFIG: broken }, /not valid JSON/, long.slice(0, 6));
    const broken2 = file('secret-broken2.json', `{"cluster": {"token": "${long}" "name": "x"}}`);
    hides({ RIM_CONFIG: broken2 }, /not valid JSON at position \d+/, long);
    // Values of keys that hold no secret are still shown: they help.
    fails(
      { RIM_CLUSTER: `{"token":"${long}","name":"Bad Name"}` },
      /RIM_CLUSTER \(cluster\.name\): .*, got "Bad Name"$/,
    );
  });
});
