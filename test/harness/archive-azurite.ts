/** An ArchiveStore on a throw-away Azurite (free ports, its own folder), for the tests of the archive and state. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../../local/azurite';
import { ArchiveStore } from '../../src/archive';

export interface ArchiveOnAzurite {
  /** The store on `container`, created. */
  store: ArchiveStore;
  /** Stops Azurite and removes its folder. */
  close(): Promise<void>;
}

export async function startArchiveOnAzurite(container: string): Promise<ArchiveOnAzurite> {
  const location = mkdtempSync(join(tmpdir(), 'archive-azurite-'));
  const azurite = await startAzurite({ location, blobPort: 0, queuePort: 0, tablePort: 0 }).catch(
    (error: unknown) => {
      rmSync(location, { recursive: true, force: true });
      throw error;
    },
  );
  const close = async (): Promise<void> => {
    await azurite.close();
    rmSync(location, { recursive: true, force: true });
  };
  try {
    const store = ArchiveStore.fromConfig({
      connectionString: azurite.connectionString,
      archiveContainer: container,
    });
    await store.ensureContainer();
    return { store, close };
  } catch (error) {
    await close();
    throw error;
  }
}
