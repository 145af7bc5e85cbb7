/**
 * The Docker adapter's image handling, against a stand-in engine API on a
 * unix socket (no Docker needed): a missing image is said once, with what to
 * do; replicas are created by the registered name while it names the pinned
 * id (so `docker ps` shows names), and by the id once the name has moved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerContainerEngine } from '../../../src/adapters/docker-engine.js';
import { NotFoundError } from '../../../src/domain/errors.js';
import { buildReplicaSpec } from '../../../src/domain/replica-spec.js';
import { DIGEST, synthetic } from '../domain/supervisor/fixtures.js';

const OTHER = `sha256:${'cd'.repeat(32)}`;

describe('Docker adapter: images', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rim-fake-docker-'));
  const socketPath = join(dir, 'docker.sock');
  /** Image name → id, as the stand-in engine has them. */
  const images = new Map<string, string>();
  const created: { Image: string; Labels: Record<string, string> }[] = [];
  let server: Server;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://docker');
        const inspect = /^(?:\/v[\d.]+)?\/images\/(.+)\/json$/.exec(url.pathname);
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        };
        if (req.method === 'GET' && inspect) {
          const name = decodeURIComponent(inspect[1]!);
          const id = images.get(name) ?? [...images.values()].find((v) => v === name);
          if (!id) return answer(404, { message: `No such image: ${name}` });
          const tags = [...images].filter(([, v]) => v === id).map(([k]) => k);
          return answer(200, { Id: id, RepoTags: tags, Config: { Labels: {} } });
        }
        if (req.method === 'GET' && /\/containers\/rim-sandbox-box-1\/json$/.test(url.pathname)) {
          // The node's sandbox runs already: replicas join it.
          return answer(200, {
            Id: 'sandbox-1',
            Config: { Labels: { 'rim.managed': 'true', 'rim.node': 'box-1', 'rim.role': 'sandbox' } },
            State: { Running: true },
            NetworkSettings: { Networks: { 'rim-replicas-box-1': { IPAddress: '172.30.0.2' } } },
          });
        }
        if (req.method === 'POST' && /\/containers\/create$/.test(url.pathname)) {
          const opts = JSON.parse(body) as { Image: string; Labels: Record<string, string> };
          const known = images.has(opts.Image) || [...images.values()].includes(opts.Image);
          if (!known) return answer(404, { message: `No such image: ${opts.Image}` });
          created.push(opts);
          return answer(201, { Id: `c${created.length}`, Warnings: [] });
        }
        answer(500, { message: `unexpected ${req.method} ${url.pathname}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const engine = () => new DockerContainerEngine({ socketPath }, null);
  const spec = () =>
    buildReplicaSpec({
      node: 'box-1',
      app: synthetic,
      module: 'decode',
      accelerator: { kind: 'cpu' },
      port: 17001,
    });

  it('says once that an image is not on the box and that Rim never pulls it', async () => {
    await assert.rejects(engine().inspectImage('rim/absent:1'), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.equal(
        e.message,
        'image rim/absent:1 is not on this box; Rim never pulls images: build or `docker load` it on the box first',
      );
      return true;
    });
    images.clear();
    await assert.rejects(
      engine().create(spec()),
      (e: unknown) =>
        e instanceof NotFoundError &&
        /^image rim\/sample-synthetic:latest \(sha256:abababababab\) is not on this box; Rim never pulls/.test(
          e.message,
        ) &&
        !/no such image/i.test(e.message),
    );
  });

  it('creates a replica by its registered name while that name is the pinned id, labelled with the id', async () => {
    images.clear();
    images.set('rim/sample-synthetic:latest', DIGEST);
    created.length = 0;
    await engine().create(spec());
    assert.equal(created[0]!.Image, 'rim/sample-synthetic:latest');
    assert.equal(created[0]!.Labels['rim.image'], DIGEST);
  });

  it('creates it by the pinned id once the name has moved (a re-tag is never picked up silently)', async () => {
    images.clear();
    images.set('rim/sample-synthetic:latest', OTHER);
    images.set('<untagged>', DIGEST);
    created.length = 0;
    await engine().create(spec());
    assert.equal(created[0]!.Image, DIGEST);
    assert.equal(created[0]!.Labels['rim.image'], DIGEST);
  });
});
