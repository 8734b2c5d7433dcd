/** Records one run of a window in the ledger, so operators and later re-listings see what happened. */
import type { WindowRecord } from '../src/pipeline/model';
import type { PipelineState } from '../src/pipeline/state';

export type RecordWindowInput = WindowRecord;

export function recordWindowActivity(deps: { state: (tenantId?: string) => Promise<PipelineState> }) {
  return async function recordWindow(input: RecordWindowInput): Promise<{ name: string; runs: number }> {
    return (await deps.state(input.tenantId)).recordWindow(input);
  };
}
