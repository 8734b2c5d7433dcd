/**
 * The resilience suite's view of the shared test stack (test/harness/stack-harness.ts): the same stack, plus the
 * table's Ids (empty before the first ingestion creates the table).
 */
import { startE2eStack, type E2eOptions, type E2eStack } from './stack-harness';

export { currentHour, duplicates, HOUR, runUntil, TABLE } from './stack-harness';

export type { PipelineStatus } from './status-body';

export interface ResilienceStack extends E2eStack {
  ids(): Promise<string[]>;
}

export async function startResilienceStack(options: Omit<E2eOptions, 'stateDir'>): Promise<ResilienceStack> {
  const stack = await startE2eStack(options);
  return {
    ...stack,
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
