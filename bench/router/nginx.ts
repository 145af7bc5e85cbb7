/**
 * A throwaway nginx (Debian's package) as a reverse proxy in front of one
 * upstream: its own config file, pid, logs and temp paths in a temp dir, a
 * loopback port, one worker process (the router is one Node process), keep-alive
 * to the upstream. Not the system service: `stop()` ends it and removes the dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { affinityOf } from '../cpu-pinning.js';
import { childPids, cpuSeconds } from './proc-cpu.js';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_INSTALL_HINT =
  'nginx is not installed: on Debian/Ubuntu `sudo apt-get install -y nginx` (the bench starts its own ' +
  'nginx with its own config on a loopback port; the system service is not used and need not run)';

/** The nginx binary (RIM_BENCH_NGINX when set, else PATH, then Debian's /usr/sbin), or undefined. */
export function findNginx(): string | undefined {
  const env = process.env.RIM_BENCH_NGINX;
  for (const c of env ? [env] : ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(c, ['-v'], { stdio: 'ignore' }).status === 0) return c;
  }
  return undefined;
}

export interface Nginx {
  port: number;
  /** The master's pid (its worker is its child). */
  pid: number;
  version: string;
  /** The CPUs nginx's master and workers may run on, from /proc (every thread). */
  affinity(): string;
  /** CPU seconds (user + system) nginx's processes have used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number, proc: ChildProcess, dir: string): Promise<void> {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').trim() : '';
  throw new Error(`nginx did not start on 127.0.0.1:${port}${log ? `: ${log}` : ''}`);
}

/** `cpus`: taskset's CPU list nginx (master and workers) is started on; any CPU when unset. */
export async function startNginx(bin: string, upstreamPort: number, cpus?: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'rim-bench-nginx-'));
  chmodSync(dir, 0o755); // workers drop to an unprivileged user when started as root
  const port = await freePort();
  const conf = `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream noop {
    server 127.0.0.1:${upstreamPort};
    keepalive 256;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    location / {
      proxy_pass http://noop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const version = (spawnSync(bin, ['-v'], { encoding: 'utf8' }).stderr ?? '').trim().replace(/^nginx version: /, '');
  const argv = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
  // taskset execs nginx: the pid is the master's, and the workers it forks inherit the mask.
  const proc = cpus
    ? spawn('taskset', ['-c', cpus, bin, ...argv], { stdio: 'ignore' })
    : spawn(bin, argv, { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const workers = childPids(proc.pid!);
      proc.kill('SIGTERM'); // fast shutdown of the master and its worker
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        for (const w of workers) {
          try {
            process.kill(w, 'SIGKILL'); // a worker outlives a killed master
          } catch {
            // already gone
          }
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, proc, dir);
  } catch (e) {
    await stop();
    throw e;
  }
  const affinity = () => [proc.pid!, ...childPids(proc.pid!)].map(affinityOf).join(' / ');
  return { port, pid: proc.pid!, version, affinity, cpuSeconds: () => cpuSeconds(proc.pid!, true), stop };
}
