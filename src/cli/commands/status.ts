/** rim status: the cluster, its nodes and the replicas they run. */
import type { Command } from 'commander';
import type { ReplicaStatus } from '../../domain/types.js';
import type { CliContext } from '../context.js';
import { show, table } from '../output.js';
import { deploymentTable } from './deploy.js';

interface ClusterView {
  name: string;
  leader: string;
  term: number;
  members: { id: string; address: string; state: string; docker?: { status: string } }[];
}
interface NodeView {
  id: string;
  state: string;
  cpus: number;
  memoryMB: number;
  docker?: { reachable: boolean; status: string };
  accelerators: { id: string; model: string; memoryMB: number; emulated?: boolean; cpus?: number }[];
  replicas: ReplicaStatus[] | null;
}

const unknownNode = (id: string): NodeView => ({
  id,
  state: 'unknown',
  cpus: 0,
  memoryMB: 0,
  accelerators: [],
  replicas: null,
});

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('cluster, nodes, replicas and deployments')
    .action(async (_o: unknown, cmd: Command) => {
      const api = ctx.client();
      const cluster = await api.get<ClusterView>('/v1/cluster');
      // The member state (alive / suspect / dead) is the cluster's word on a box; a box that does not
      // answer still gets its row, with what the cluster last stored of it.
      const nodes = await Promise.all(
        cluster.members.map((m) =>
          api
            .get<NodeView>(`/v1/nodes/${encodeURIComponent(m.id)}`)
            .then((n) => ({ ...n, state: m.state }))
            .catch((): NodeView => ({ ...unknownNode(m.id), state: m.state })),
        ),
      );
      const deployments = await api.get<Parameters<typeof deploymentTable>[0]>('/v1/deployments');
      show(ctx.out(cmd), { cluster, nodes, deployments }, () => {
        const lines = [
          `cluster ${cluster.name}: leader ${cluster.leader}, term ${cluster.term}, ` +
            `${cluster.members.length} member(s)`,
          '',
        ];
        lines.push(
          table(
            nodes.map((n) => ({
              node: n.id,
              state: n.state,
              cpus: n.cpus || '-',
              memory: n.memoryMB ? `${n.memoryMB} MB` : '-',
              accelerators:
                n.accelerators?.map((a) => `${a.id}:${a.model}${a.emulated ? ' (emulated)' : ''}`).join(', ') || 'none',
              docker: n.docker?.status ?? '-',
            })),
            [['node'], ['state'], ['cpus'], ['memory'], ['accelerators'], ['docker']],
          ),
        );
        const replicas = nodes.flatMap((n) => (n.replicas ?? []).map((r) => ({ node: n.id, ...r })));
        lines.push(
          '',
          'replicas:',
          table(
            replicas.map((r) => ({
              ...r,
              container: r.containerId?.slice(0, 12),
              lastExit: r.lastExit ? `code ${r.lastExit.code ?? '?'}` : '-',
            })),
            [
              ['node'],
              ['name'],
              ['module'],
              ['variant'],
              ['accelerator'],
              ['port'],
              ['state'],
              ['restarts'],
              ['container'],
            ],
          ),
        );
        lines.push('', 'deployments:', deploymentTable(deployments));
        return lines.join('\n');
      });
    });
}
