/** DOCKER_HOST reaches the Docker adapter through the config: checked against a fake engine on a socket and on TCP. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dockerConnection } from '../../../src/adapters/docker-connection.js';
import { DockerContainerEngine } from '../../../src/adapters/docker-engine.js';
import { loadConfig } from '../../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'rim-docker-host-'));
const load = (env: Record<string, string>) => loadConfig(env, { root: dir, cwd: dir }).config;

/** An HTTP server that answers Docker's /_ping, recording the paths asked. */
async function fakeEngine(listen: (s: Server) => void): Promise<{ server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.end('OK');
  });
  listen(server);
  await once(server, 'listening');
  return { server, asked };
}

const engineFrom = (c: ReturnType<typeof load>) => new DockerContainerEngine({ ...c.docker });

describe('DOCKER_HOST', () => {
  const servers: Server[] = [];
  after(() => {
    servers.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });

  it("fills docker.host (and TLS settings) from Docker's own variables; RIM_* settings win", () => {
    assert.equal(load({}).docker.host, undefined);
    const rootless = 'unix:///run/user/1000/docker.sock';
    assert.equal(load({ DOCKER_HOST: rootless }).docker.host, rootless);
    assert.equal(load({ DOCKER_HOST: '10.0.0.5:2375' }).docker.host, 'tcp://10.0.0.5:2375');
    const tls = load({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' }).docker;
    assert.deepEqual([tls.host, tls.tlsVerify, tls.certPath], ['tcp://10.0.0.5:2376', true, '/c']);
    assert.equal(load({ DOCKER_HOST: 'tcp://a:1', RIM_DOCKER_HOST: 'tcp://b:2' }).docker.host, 'tcp://b:2');
    assert.equal(load({ DOCKER_HOST: 'tcp://a:1', RIM_DOCKER_SOCKET_PATH: '/s.sock' }).docker.host, undefined);
    assert.throws(() => load({ DOCKER_HOST: 'tcp://' }), /DOCKER_HOST \(docker\.host\)/);
  });

  it('maps each scheme to explicit dockerode options that leave nothing to its own env reading', () => {
    const files = (f: string) => Buffer.from(f);
    assert.deepEqual(dockerConnection({ socketPath: '/var/run/docker.sock' }), {
      socketPath: '/var/run/docker.sock',
      host: undefined,
      port: undefined,
      protocol: undefined,
    });
    const both = dockerConnection({ host: 'unix:///tmp/d.sock', socketPath: '/var/run/docker.sock' });
    assert.equal(both!.socketPath, '/tmp/d.sock');
    assert.equal(dockerConnection({ host: 'unix://' })!.socketPath, '/var/run/docker.sock');
    assert.deepEqual(dockerConnection({ host: 'tcp://10.0.0.5:2375' }), {
      protocol: 'http',
      host: '10.0.0.5',
      port: '2375',
      socketPath: undefined,
      ca: undefined,
      cert: undefined,
      key: undefined,
    });
    const tls = dockerConnection({ host: 'tcp://box:2376', certPath: '/c' }, files)!;
    assert.deepEqual(
      [tls.protocol, tls.host, String(tls.ca), String(tls.cert), String(tls.key)],
      ['https', 'box', '/c/ca.pem', '/c/cert.pem', '/c/key.pem'],
    );
    assert.equal(dockerConnection({ host: 'tcp://box:9999', tlsVerify: true })!.protocol, 'https');
    assert.deepEqual(dockerConnection({ host: 'ssh://ops@box' }), {
      protocol: 'ssh',
      host: 'box',
      port: 22,
      username: 'ops',
      socketPath: undefined,
    });
    assert.equal(dockerConnection({}), undefined);
  });

  it('the engine talks to the socket DOCKER_HOST names, not the configured default', async () => {
    const sock = join(dir, 'engine.sock');
    const { server, asked } = await fakeEngine((s) => s.listen(sock));
    servers.push(server);
    const config = load({ DOCKER_HOST: `unix://${sock}` });
    assert.equal(config.docker.socketPath, '/var/run/docker.sock', 'the default is still there, and loses');
    await engineFrom(config).ping();
    assert.deepEqual(asked, ['/_ping']);
  });

  it('the engine talks to a tcp:// DOCKER_HOST', async () => {
    const { server, asked } = await fakeEngine((s) => s.listen(0, '127.0.0.1'));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    await engineFrom(load({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })).ping();
    assert.deepEqual(asked, ['/_ping']);
  });
});
