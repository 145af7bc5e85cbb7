/**
 * Test cleanup: everything Rim created on the real engine for a node id that
 * a test used: its replicas and its replica sandbox (containers labelled
 * rim.node=<node>), then the sandbox's network (labelled the same).
 */
import { execFileSync } from 'node:child_process';

const docker = (args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).trim();

export function removeNodeDocker(node: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=rim.node=${node}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) docker(['rm', '-f', '-v', ...ids]);
  const nets = docker(['network', 'ls', '-q', '--filter', `label=rim.node=${node}`])
    .split('\n')
    .filter(Boolean);
  for (const n of nets) {
    // A box of a test cluster may still be connected: the network goes all the same.
    const attached = docker(['network', 'inspect', '-f', '{{range $id, $c := .Containers}}{{$id}} {{end}}', n]);
    for (const c of attached.split(' ').filter(Boolean)) {
      try {
        docker(['network', 'disconnect', '-f', n, c]);
      } catch {
        /* gone meanwhile */
      }
    }
    docker(['network', 'rm', n]);
  }
}
