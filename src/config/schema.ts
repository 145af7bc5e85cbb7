/**
 * The appliance's configuration: one zod schema with every default
 * (docs/design.md, "The appliance"). The file `appliance.config.json` and the
 * `RIM_*` environment fill it; `load-config.ts` does the reading.
 */
import { z } from 'zod';
import { placementStrategy } from './placement-strategy.js';
import { profilerTuningSchema } from '../profiler/profiler-options.js';

const NODE_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const PORT = 'expected a number 1–65535';
const port = () => z.number({ error: PORT }).int({ error: PORT }).min(1, { error: PORT }).max(65535, { error: PORT });

/** A duration: "30s", "10m", "24h", "7d", or a number of milliseconds; parsed to milliseconds. */
export const durationMs = z
  .union(
    [
      z.number().int().nonnegative(),
      z.string().regex(DURATION, { error: 'expected a duration such as "30s", "10m", "24h" or a number of ms' }),
    ],
    { error: 'expected a duration such as "30s", "10m", "24h" or a number of ms' },
  )
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = DURATION.exec(v)!;
    return Number(m[1]) * UNIT_MS[m[2]!]!;
  });

const emulatedAccelerator = z.strictObject({
  model: z.string().min(1).max(64),
  cpus: z.number({ error: 'expected a number of cores (e.g. 1 or 0.5)' }).positive().max(1024),
  cpuset: z
    .string()
    .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, { error: 'expected a cpuset such as "0" or "2-3"' })
    .optional(),
  /** Memory the emulated accelerator pretends to have; placement fits gpuMemoryMB into it. */
  memoryMB: z.number().int().positive().default(4096),
});

const portRange = z
  .strictObject({
    from: port(),
    to: port(),
  })
  .refine((r) => r.from <= r.to, { error: 'expected from <= to' });

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A link's figures: bandwidth (Mbit/s, > 0) and round-trip time (ms, ≥ 0). */
const linkFigures = z.strictObject({
  bandwidthMbps: z
    .number({ error: 'expected a number of Mbit/s' })
    .positive({ error: 'expected a bandwidth > 0 Mbit/s' })
    .max(1_000_000, { error: 'expected at most 1000000 Mbit/s' }),
  rttMs: z
    .number({ error: 'expected a number of ms' })
    .nonnegative({ error: 'expected an RTT >= 0 ms' })
    .max(10_000, { error: 'expected an RTT of at most 10000 ms' }),
});

export const configSchema = z.strictObject({
  /**
   * Where lowdb keeps the cluster document, the node id and the admin token.
   * Relative paths are from the working directory.
   */
  dataDir: z.string().min(1).default('./data'),
  /** Fixed node id; generated once and kept in the data dir when unset. */
  nodeId: z.string().regex(NODE_ID, { error: 'expected lower-case letters, digits and - (at most 63)' }).optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** The admin token; generated and kept in the data dir (mode 0600) when unset. */
  adminToken: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
  api: z
    .strictObject({
      /** 0 takes any free port (tests); the log line "appliance listening" says which. */
      port: z
        .number({ error: PORT })
        .int({ error: PORT })
        .min(0, { error: PORT })
        .max(65535, { error: PORT })
        .default(7878),
      host: z.string().min(1).default('0.0.0.0'),
      /**
       * A listener of its own for `GET /healthz` only (0: any free port), on `host`; unset: none. A flood of
       * connections to `port` then does not delay a health checker (src/http/health-listener.ts).
       */
      healthPort: z
        .number({ error: PORT })
        .int({ error: PORT })
        .min(0, { error: PORT })
        .max(65535, { error: PORT })
        .optional(),
      /** Reads (GET) open on the LAN without the admin token. */
      openReads: z.boolean({ error: 'expected true or false' }).default(true),
    })
    .prefault({}),
  accelerators: z
    .strictObject({
      /** CPU slices that Rim treats as GPUs of `model` (test clusters, boxes without a GPU). */
      emulate: z.array(emulatedAccelerator).max(64).default([]),
      /** Look for real NVIDIA GPUs (nvidia-smi, then systeminformation). */
      detectGpus: z.boolean().default(true),
    })
    .prefault({}),
  ports: z
    .strictObject({
      /** Ports the supervisor hands to replicas as RIM_PORT. */
      range: portRange.prefault({ from: 17000, to: 17999 }),
    })
    .prefault({}),
  docker: z
    .strictObject({
      socketPath: z.string().min(1).default('/var/run/docker.sock'),
      /**
       * The engine's address as DOCKER_HOST spells it (unix:///path, tcp://host:2376, ssh://user@host); wins over
       * socketPath. DOCKER_HOST fills it unless RIM_DOCKER_HOST or RIM_DOCKER_SOCKET_PATH is set.
       */
      host: z
        .string()
        .regex(/^(unix|npipe):\/\/\S*$|^(tcp|http|https|ssh):\/\/\S+$/, {
          error: 'expected unix:///path, tcp://host:port or ssh://user@host',
        })
        .optional(),
      /** TLS to a tcp:// engine (DOCKER_TLS_VERIFY=1); implied by certPath and by port 2376. */
      tlsVerify: z.boolean({ error: 'expected true or false' }).default(false),
      /** A folder holding ca.pem, cert.pem and key.pem for a TLS engine (DOCKER_CERT_PATH). */
      certPath: z.string().min(1).optional(),
      /**
       * The image the replica sandbox runs (docs/design.md, "Replica fence"); unset: the appliance's own
       * container's image. Needed only when the appliance runs outside a container.
       */
      sandboxImage: z.string().min(1).optional(),
      /** How often a reachable engine is pinged; an unreachable one is retried with backoff up to this. */
      pingInterval: durationMs.default(30_000),
    })
    .prefault({}),
  supervisor: z
    .strictObject({
      /** Fallback look at Docker when no engine event arrives; events wake the supervisor at once. */
      pollInterval: durationMs.default(10_000),
    })
    .prefault({}),
  placement: z
    .strictObject({
      headroom: z
        .number({ error: 'expected a number 0–0.9' })
        .min(0, { error: 'expected a number 0–0.9' })
        .max(0.9, { error: 'expected a number 0–0.9' })
        .default(0.1),
      /**
       * A placement strategy the appliance runs (placement-strategy.ts): the
       * registry's, less those needing a solver.
       */
      strategy: placementStrategy.default('rim'),
      /** Re-planning on measured load (src/domain/planning/load-trigger.ts): how long a trigger's condition
       * must last, and how long after firing the same deployment or replica waits (test clusters shorten them). */
      load: z
        .strictObject({
          sustain: durationMs.default(10_000),
          cooldown: durationMs.default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
  profiling: z
    .strictObject({
      /** node-cron expression for the profile refresh. */
      schedule: z.string().min(1).default('0 3 * * *'),
      enabled: z.boolean().default(true),
      /** The profiler's windows and limits (src/profiler/profiler-options.ts); test clusters shorten them. */
      tuning: profilerTuningSchema.partial().optional(),
    })
    .prefault({}),
  cluster: z
    .strictObject({
      name: z.string().regex(NODE_ID, { error: 'expected lower-case letters, digits and -' }).default('rim'),
      /** Shared secret that peers prove they hold; never logged or served. */
      token: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
      discovery: z
        .strictObject({
          mdns: z.boolean({ error: 'expected true or false' }).default(true),
          /** Multicast interface name or address; every multicast interface when unset. */
          interface: z.string().min(1).optional(),
          /** Static peers, "host:port", for networks without multicast. */
          peers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected "host:port"' })).default([]),
        })
        .prefault({}),
      /** A member unseen this long leaves the cluster. */
      memberExpiry: durationMs.default(86_400_000),
      /**
       * Every link's bandwidth and RTT for placement, in place of what the leader measures at join
       * (unset: measured, else 1000 Mbit/s and 0.5 ms).
       */
      network: linkFigures.partial().optional(),
      /** One pair of boxes' link, by node id, over anything measured or set in `network`. */
      links: z
        .array(
          z.strictObject({
            a: z.string().regex(NODE_ID, { error: 'expected a node id' }),
            b: z.string().regex(NODE_ID, { error: 'expected a node id' }),
            ...linkFigures.shape,
          }),
        )
        .superRefine((links, ctx) => {
          const seen = new Set<string>();
          links.forEach((l, i) => {
            if (l.a === l.b)
              ctx.addIssue({ code: 'custom', message: `a link joins two different boxes (both "${l.a}")`, path: [i] });
            const key = [l.a, l.b].sort().join(' ');
            if (seen.has(key))
              ctx.addIssue({ code: 'custom', message: `the link ${l.a}–${l.b} is given twice`, path: [i] });
            seen.add(key);
          });
        })
        .default([]),
    })
    .prefault({}),
});

/** The config as the file and environment give it (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated config, every default filled. */
export type Config = z.output<typeof configSchema>;
export type EmulatedAcceleratorConfig = Config['accelerators']['emulate'][number];
