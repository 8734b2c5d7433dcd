/**
 * One ingestion batch as bytes: MultiJSON (one JSON object per line, properties in schema order, exactly the schema
 * columns), gzip-compressed, plus the identifiers that make a retried batch recognisable to the cluster.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ALERT_COLUMNS, type ColumnDefinition } from './schema';

export interface SerializedBatch {
  /** gzip of the MultiJSON text. */
  readonly gzip: Buffer;
  /** Uncompressed size, reported to the cluster as the raw data size. */
  readonly rawBytes: number;
  readonly rows: number;
}

/**
 * Only schema columns are written (missing ones as null), so a caller's extra properties never reach the table and
 * the identity mapping in table-commands.ts always matches.
 */
export function serializeRows(
  rows: readonly object[],
  columns: readonly ColumnDefinition[] = ALERT_COLUMNS,
): SerializedBatch {
  const lines: string[] = [];
  for (const row of rows) {
    const record: Record<string, unknown> = {};
    for (const column of columns) {
      const value = (row as Record<string, unknown>)[column.name];
      record[column.name] = value === undefined ? null : value;
    }
    lines.push(JSON.stringify(record));
  }
  const text = Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8');
  return { gzip: gzipSync(text), rawBytes: text.length, rows: rows.length };
}

/** The extent tag a batch's data carries; `ingestIfNotExists` on the same value skips a repeat. */
export function ingestByTag(batchId: string): string {
  return `ingest-by:${batchId}`;
}

/**
 * A UUID v4-shaped id derived from the batch id. The SDK requires a v4 sourceId; deriving it (rather than a random
 * one) gives a retried batch the same blob name and queue message id, so a retry overwrites instead of piling up.
 */
export function sourceIdFor(batchId: string): string {
  const b = createHash('sha256').update(batchId, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
