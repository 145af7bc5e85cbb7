/**
 * A 3-box test cluster on the real Docker engine with NO static peers: the
 * boxes find each other by mDNS on their private network, form one cluster
 * and elect one leader; a real non-Node mDNS client (avahi-browse) sees the
 * three _rim._tcp services with their TXT records; a fourth box with the
 * wrong cluster token is refused, logged and never becomes a member; the
 * token never shows in the API or the logs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ensureImages, IMAGE_TAGS } from '../support/images.js';
import { agreedLeader, CLUSTER_TOKEN, docker, startTestCluster, type TestCluster, waitFor } from './cluster-harness.js';

describe('cluster discovery on Docker', { timeout: 300_000 }, () => {
  let c: TestCluster;
  before(async () => {
    await ensureImages(['base', 'appliance']);
    c = startTestCluster('d');
  });
  after(() => {
    try {
      docker('rm', '-f', '-v', `${c.prefix}-stranger`);
    } catch {
      /* not started */
    }
    c?.down();
  });

  it('finds the other boxes by mDNS alone and elects one leader', async () => {
    for (const b of c.boxes)
      assert.ok(
        !docker('inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', b).includes(
          'RIM_CLUSTER_DISCOVERY_PEERS',
        ),
        'no static peers',
      );
    const leader = await waitFor(
      'one leader agreed by three live members',
      async () => {
        const l = await agreedLeader(c, c.boxes, 3);
        return l && l.members.every((m) => m.state === 'alive') && l;
      },
      60_000,
    );
    assert.ok(c.boxes.includes(leader.leader!));
    assert.deepEqual(leader.members.map((m) => m.id).sort(), [...c.boxes].sort());
    assert.ok(leader.members.every((m) => m.state === 'alive' && m.voter));
    const views = await Promise.all(c.boxes.map((b) => c.view(b)));
    assert.equal(views.filter((v) => v!.role === 'leader').length, 1, 'exactly one box leads');
    for (const b of c.boxes) assert.match(c.logs(b), /mDNS: announcing _rim\._tcp/);
  });

  it(
    'is seen by avahi-browse, a real mDNS client that is not ours',
    { skip: process.getuid?.() !== 0 ? 'needs root for nsenter' : false },
    async () => {
      const out = await waitFor(
        'avahi-browse to resolve three boxes',
        () => {
          const text = execFileSync('bash', ['compose/avahi-browse.sh', c.boxes[0]!], {
            encoding: 'utf8',
            timeout: 60_000,
          });
          const resolved = text.split('\n').filter((l) => l.startsWith('=;') && l.includes('_rim._tcp'));
          return resolved.length >= 3 && resolved;
        },
        90_000,
        1000,
      );
      for (const [i, b] of c.boxes.entries()) {
        const line = out.find((l) => l.includes(`"id=${b}"`));
        assert.ok(line, `${b} resolved`);
        const f = line.split(';');
        assert.equal(f[2], 'IPv4');
        assert.equal(f[4], '_rim._tcp');
        assert.equal(f[7], c.ip(c.boxes[i]!), 'its address on the test network');
        assert.equal(f[8], '7878');
        assert.match(f[9]!, /"cluster=rimitd\d+"/);
        assert.match(f[9]!, /"api=7878"/);
        assert.match(f[9]!, /"v=1"/);
        assert.ok(!line.includes(CLUSTER_TOKEN), 'the token is not announced');
      }
    },
  );

  it('keeps a box with the wrong token out, and logs the refusal', async () => {
    const stranger = `${c.prefix}-stranger`;
    const ip = c.ip(c.boxes[0]!).replace(/\.\d+$/, '.40');
    docker(
      'run',
      '-d',
      '--name',
      stranger,
      '--network',
      c.network,
      '--ip',
      ip,
      '--label',
      `rim.test-cluster=${c.prefix}`,
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '-e',
      `RIM_NODE_ID=${stranger}`,
      '-e',
      `RIM_CLUSTER_NAME=${c.prefix}`,
      '-e',
      'RIM_CLUSTER_TOKEN=not-the-cluster-token-at-all',
      '-e',
      'RIM_CLUSTER_DISCOVERY_INTERFACE=eth0',
      '-e',
      'RIM_PROFILING_ENABLED=false',
      IMAGE_TAGS.appliance,
    );
    await waitFor(
      'a box to refuse the stranger',
      () =>
        c.boxes.some(
          (b) =>
            /peer request refused[^\n]*|"peer":"[^"]*stranger/.test(c.logs(b)) &&
            c.logs(b).includes('peer request refused'),
        ),
      60_000,
      1000,
    );
    // Absence is the point: several discovery rounds pass with the stranger knocking, and it never joins.
    await new Promise((r) => setTimeout(r, 5000));
    for (const b of c.boxes) {
      const v = await c.view(b);
      assert.ok(v && !v.members.some((m) => m.id === stranger), `${stranger} is not a member for ${b}`);
      assert.equal(v.members.length, 3);
    }
    const own = await waitFor(
      'the stranger to answer',
      async () => {
        const r = await fetch(`http://${ip}:7878/v1/cluster`, { signal: AbortSignal.timeout(2000) });
        return (await r.json()) as { members: { id: string }[] };
      },
      30_000,
    );
    assert.ok(!own.members.some((m) => c.boxes.includes(m.id)), 'and none of the cluster became its member');
    assert.match(
      c.logs(stranger).concat(...c.boxes.map((b) => c.logs(b))),
      /not authenticated with the cluster token|does not hold the cluster token/,
    );
  });

  it('never shows the token in the API or the logs', async () => {
    for (const b of c.boxes) {
      for (const path of ['/v1/cluster', '/v1/nodes', '/']) {
        const r = await fetch(`http://${c.ip(b)}:7878${path}`, { signal: AbortSignal.timeout(3000) });
        assert.ok(!(await r.text()).includes(CLUSTER_TOKEN), `${path} on ${b}`);
      }
      assert.ok(!c.logs(b).includes(CLUSTER_TOKEN), `logs of ${b}`);
    }
  });
});
