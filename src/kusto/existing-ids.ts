/**
 * The record-Id check behind exactly-once across blobs, listings, rewinds and streaming: which of a batch's Ids the
 * table already holds. Ids are spliced as quoted literals in chunks, keeping each query well under the service's
 * request size limits and the local endpoint's parser fast.
 */
import { assertIdentifier, kqlString } from './kql';

/** Ids per query; audit record Ids are 36-character GUIDs, so a chunk is about 20 KB of query text. */
export const IDS_PER_QUERY = 500;

export function existingIdQueries(
  table: string,
  ids: readonly string[],
  chunkSize = IDS_PER_QUERY,
): string[] {
  const unique = [...new Set(ids)];
  const queries: string[] = [];
  for (let i = 0; i < unique.length; i += chunkSize) {
    const chunk = unique.slice(i, i + chunkSize);
    queries.push(
      `${assertIdentifier(table, 'Table name')} | where Id in (${chunk.map(kqlString).join(', ')}) | distinct Id`,
    );
  }
  return queries;
}
