/**
 * The fields of GET /api/pipeline/status that tests and benchmarks read, typed once for every harness (the in-process
 * pipeline host, the e2e and resilience stacks, the bench stack). For a single tenant the fields of `tenants[0]`
 * stand at the top level too, which is what this type describes.
 */
import type { Checkpoint } from '../../src/pipeline/model';
import type { LoopStatus } from '../../src/pipeline/status';

/** The tenant client's O365 request counters since the app instance started. */
export interface FaultCounters {
  requests: number;
  retries: number;
  throttled: number;
  byErrorCode: Record<string, number>;
}

export interface PipelineStatus {
  tenantId?: string;
  tenantName?: string;
  runtimeStatus: string;
  loop: LoopStatus | null;
  checkpoint: Checkpoint | null;
  lagMinutes: number | null;
  /** The ledger around the checkpoint; `lastRun.at` is the orchestration time of the window's last run. */
  recentWindows: {
    contentType: string;
    windowStart: string;
    windowEnd: string;
    status: string;
    blobs: number;
    runs: number;
    lastRun?: { kind: string; status: string; at: string };
  }[];
  faults: FaultCounters | null;
}
