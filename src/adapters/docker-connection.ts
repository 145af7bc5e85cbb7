/**
 * Where the Docker engine is, as dockerode's options. The composition root
 * reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) once into the
 * config (`docker.host`, `docker.tlsVerify`, `docker.certPath`); this turns
 * them into explicit options. Explicit, because docker-modem merges its own
 * reading of the environment under whatever it is given: every field that
 * decides the transport is set here, so the config alone decides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ValidationError } from '../domain/errors.js';

export interface DockerConnectionConfig {
  /** As DOCKER_HOST spells it: unix:///var/run/docker.sock, tcp://10.0.0.5:2376, ssh://user@box. Beats socketPath. */
  host?: string;
  /** Unix socket of the engine, used when `host` is unset. */
  socketPath?: string;
  /** TLS for tcp:// (DOCKER_TLS_VERIFY=1); implied by certPath and by port 2376. */
  tlsVerify?: boolean;
  /** A folder with ca.pem, cert.pem and key.pem (DOCKER_CERT_PATH). */
  certPath?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** dockerode's options for `c`; undefined leaves dockerode to its defaults (nothing configured). */
export function dockerConnection(
  c: DockerConnectionConfig,
  read: (file: string) => Buffer = (file) => readFileSync(file),
): Docker.DockerOptions | undefined {
  const socket = (socketPath: string): Docker.DockerOptions => ({
    socketPath,
    host: undefined,
    port: undefined,
    protocol: undefined,
  });
  if (!c.host) return c.socketPath ? socket(c.socketPath) : undefined;
  if (c.host.startsWith('unix://')) return socket(c.host.slice('unix://'.length) || DEFAULT_SOCKET);
  if (c.host.startsWith('npipe://')) return socket(c.host.slice('npipe://'.length) || '//./pipe/docker_engine');
  let url: URL;
  try {
    url = new URL(c.host.includes('://') ? c.host : `tcp://${c.host}`);
  } catch {
    const rule = 'expected unix:///path, tcp://host:port or ssh://user@host';
    throw new ValidationError(`docker.host: ${rule}, got ${c.host}`, 'docker.host');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'ssh:') {
    const username = decodeURIComponent(url.username) || undefined;
    return { protocol: 'ssh', host, port: url.port || 22, username, socketPath: undefined };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(
      `docker.host: unsupported scheme ${url.protocol} (unix, npipe, tcp or ssh)`,
      'docker.host',
    );
  }
  const tls = url.protocol === 'https:' || Boolean(c.tlsVerify) || Boolean(c.certPath) || url.port === '2376';
  const pem = (name: string) => (c.certPath ? read(join(c.certPath, name)) : undefined);
  const files = { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem') };
  return {
    protocol: tls ? 'https' : 'http',
    host,
    port: url.port || (tls ? 2376 : 2375),
    socketPath: undefined,
    ...files,
  };
}
