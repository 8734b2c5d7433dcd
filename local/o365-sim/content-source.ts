/**
 * What the HTTP layer and the ground truth need from a tenant's content, whether generated or replayed.
 */
import type { AuditRecord } from './records';
import type { PoisonKind } from './types';

export const CONTENT_TYPES = [
  'Audit.AzureActiveDirectory',
  'Audit.Exchange',
  'Audit.SharePoint',
  'Audit.General',
  'DLP.All',
] as const;

export const RETENTION_MS = 7 * 24 * 3_600_000;

/** One listing entry. A blob listed twice (fault) has two entries with the same contentId. */
export interface ContentRef {
  contentId: string;
  contentType: string;
  /** When the blob became available (drives expiry). */
  contentCreated: number;
  /** The contentCreated this entry is listed (and filtered) under; differs from contentCreated for a re-listing. */
  listedCreated: number;
  /** Not listable before this instant (late listing fault); fetchable from contentCreated on. */
  listableAt: number;
  /** A blob a consumer cannot (or not yet) obtain; see FaultConfig. */
  poison?: PoisonKind;
  /** Recovering poison only: from this instant (simulated) the blob serves normally. */
  recoversAt?: number;
}

export interface ContentBlob {
  ref: ContentRef;
  records: AuditRecord[];
  /** The body is served as truncated JSON. */
  malformed: boolean;
}

export interface ContentSource {
  /** Listing entries whose listedCreated falls in [fromMs, toMs), availability not yet applied. */
  listingEntries(contentType: string, fromMs: number, toMs: number): ContentRef[];
  /** Blobs whose own contentCreated falls in [fromMs, toMs), each once. */
  blobsCreatedIn(fromMs: number, toMs: number): ContentRef[];
  /**
   * What a consumer listing [fromMs, toMs) is given, each blob once: the blobs created in the range, and those
   * created before it but listed again inside it (their listedCreated is that later listing).
   */
  blobsListedIn(fromMs: number, toMs: number): ContentRef[];
  /** A blob by id, or undefined when no such blob exists. */
  blob(contentId: string): ContentBlob | undefined;
  /** Same records as {@link blob} except that records no rule could select may be stubs `{Id, RecordType: 0}`. */
  truthBlob?(contentId: string): ContentBlob | undefined;
}

/** Keeps the most recently used entries of a map, so lazily generated hours do not pile up in memory. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
