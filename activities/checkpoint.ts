/** The loop's checkpoint: loaded when a loop starts without one, saved once a window is archived and ingested. */
import type { Checkpoint } from '../src/pipeline/model';
import type { PipelineState, SavedCheckpoint } from '../src/pipeline/state';

export interface LoadCheckpointInput {
  loopId: string;
}

export interface SaveCheckpointInput {
  checkpoint: Checkpoint;
}

export function checkpointActivities(deps: { state: () => Promise<PipelineState> }) {
  return {
    async loadCheckpoint(input: LoadCheckpointInput): Promise<Checkpoint | null> {
      return (await deps.state()).loadCheckpoint(input.loopId);
    },
    /** Never moves a stored checkpoint backwards; reports a stop request stored meanwhile. */
    async saveCheckpoint(input: SaveCheckpointInput): Promise<SavedCheckpoint> {
      return (await deps.state()).saveCheckpoint(input.checkpoint);
    },
  };
}
