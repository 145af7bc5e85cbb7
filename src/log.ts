/**
 * pino JSON lines on stdout. Components log through child loggers
 * (`component: "api"`); secrets are removed by the logger's redact config,
 * whatever object they ride in on.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino censors wherever they appear (one level of nesting by wildcard). */
export const REDACT_PATHS = [
  'token',
  'adminToken',
  'clusterToken',
  'authorization',
  '*.token',
  '*.adminToken',
  '*.clusterToken',
  '*.authorization',
  '*.*.token',
  '*.*.adminToken',
  '*.*.clusterToken',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
  'config.adminToken',
  'config.cluster.token',
  'cluster.token',
];

export interface LoggerOptions {
  level?: string;
  /** Where the lines go; stdout when unset (tests pass a stream to read them). */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.base ?? { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A child logger for one component: every line carries `component`. */
export const componentLogger = (root: Logger, component: string): Logger => root.child({ component });
