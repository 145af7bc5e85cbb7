/** What the profiler reports: a refresh's options and result, and its status (GET /v1/profiles/status). */
import type { StoredProfile } from '../domain/types.js';
import type { TaskView } from './profile-run.js';

export interface RefreshOptions {
  /** Only these apps. */
  apps?: string[];
  /** Re-measure even profiles that still hold. */
  force?: boolean;
}

export interface RefreshReport {
  due: Array<{ profile: string; why: string }>;
  profiled: Array<{
    profile: string;
    state: StoredProfile['state'];
    maxFps: number;
    latencyMs: number;
    reason?: string;
  }>;
}

export interface ProfilerStatus {
  enabled: boolean;
  schedule: string;
  running: boolean;
  current?: string;
  queued: number;
  lastRun?: { at: number; report: RefreshReport };
  /** The tasks of the run in progress, else of the last run: where each runs or ran, its state and reason. */
  tasks: TaskView[];
}
