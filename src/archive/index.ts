/** src/archive — raw and quarantined content, and checkpoint/ledger/correlation documents, in Azure Blob Storage. */
export { ArchiveStore, ConcurrencyError } from './store';
export { documentNames, rawContentName, quarantineName, nameSegment } from './names';
export type { ContentRef } from './names';
