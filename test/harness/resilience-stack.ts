/**
 * The resilience suite's view of the shared test stack (test/harness/stack-harness.ts): the same stack, plus a typed
 * status body and the table's Ids (empty before the first ingestion creates the table).
 */
import type { Checkpoint } from '../../src/pipeline/model';
import type { LoopStatus } from '../../src/pipeline/status';
import { startE2eStack, type E2eOptions, type E2eStack } from './stack-harness';

export { currentHour, duplicates, HOUR, runUntil, TABLE } from './stack-harness';

export interface StatusBody {
  runtimeStatus: string;
  loop: LoopStatus | null;
  checkpoint: Checkpoint | null;
  faults: {
    requests: number;
    retries: number;
    throttled: number;
    byErrorCode: Record<string, number>;
  } | null;
}

export interface ResilienceStack extends Omit<E2eStack, 'status'> {
  ids(): Promise<string[]>;
  status(): Promise<StatusBody>;
}

export async function startResilienceStack(options: Omit<E2eOptions, 'stateDir'>): Promise<ResilienceStack> {
  const stack = await startE2eStack(options);
  return {
    ...stack,
    status: async () => (await stack.status()) as unknown as StatusBody,
    async ids() {
      const rows = await stack.rows().catch((e: Error) => {
        // Before the first ingestion the table does not exist yet.
        if (/not found|doesn't exist|does not exist|unknown table/i.test(e.message)) return [];
        throw e;
      });
      return rows.map((r) => r.Id).sort();
    },
  };
}
