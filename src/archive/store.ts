/**
 * The Blob Storage archive: raw content (gzip, write-once), quarantined content with its reason, and small JSON
 * documents (checkpoint, ledger, correlation state) updated with ETag concurrency.
 *
 * Why conditional writes everywhere: activities are retried and a host can die mid-window, so every write must be
 * safe to repeat. Raw content is written with If-None-Match: * (a repeat is a no-op that reports created: false);
 * documents are written with If-Match on the ETag that was read, so two writers can never silently overwrite each
 * other — the loser gets a {@link ConcurrencyError} and re-reads.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient, RestError } from '@azure/storage-blob';
import type { Config } from '../config';
import { quarantineName, rawContentName, type ContentRef } from './names';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A conditional write lost: the document changed (or appeared) since it was read. Re-read and retry. */
export class ConcurrencyError extends Error {
  constructor(
    readonly blobName: string,
    readonly expectedEtag: string | null,
  ) {
    super(
      expectedEtag === null
        ? `Archive document ${blobName} already exists (expected to create it)`
        : `Archive document ${blobName} changed since it was read (ETag ${expectedEtag} no longer current)`,
    );
    this.name = 'ConcurrencyError';
  }
}

function statusOf(e: unknown): number | undefined {
  return e instanceof RestError ? e.statusCode : undefined;
}

async function streamToBuffer(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Blob metadata values travel as HTTP headers: ASCII only, bounded. */
function metadataValue(value: string, max = 2000): string {
  const encoded = encodeURIComponent(value);
  return encoded.length <= max ? encoded : `${encoded.slice(0, max - 3).replace(/%[0-9A-F]?$/i, '')}...`;
}

export class ArchiveStore {
  constructor(readonly container: ContainerClient) {}

  /**
   * From the app's storage settings: a connection string (Azurite, or an account key), or the blob service URL with
   * a token credential (managed identity; the identity needs Storage Blob Data Contributor on the account).
   */
  static fromConfig(storage: Config['storage'], credential?: TokenCredential): ArchiveStore {
    if (storage.connectionString) {
      return new ArchiveStore(
        BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
          storage.archiveContainer,
        ),
      );
    }
    if (storage.blobServiceUrl) {
      if (!credential) {
        throw new Error(
          'ArchiveStore: identity-based storage (AzureWebJobsStorage__accountName / __blobServiceUri) needs a token credential',
        );
      }
      return new ArchiveStore(
        new BlobServiceClient(storage.blobServiceUrl, credential).getContainerClient(
          storage.archiveContainer,
        ),
      );
    }
    throw new Error(
      'ArchiveStore: AzureWebJobsStorage is not set (no connection string or blob service URL)',
    );
  }

  async ensureContainer(): Promise<void> {
    await this.container.createIfNotExists();
  }

  /**
   * Archives a content blob as fetched, gzip-compressed, under a name derived from its content type, creation date
   * and id. Write-once: when the blob is already there (a retry, a re-listing, a rewind) nothing is written and
   * `created` is false.
   */
  async putRawContent(ref: ContentRef, text: string): Promise<{ name: string; created: boolean }> {
    const name = rawContentName(ref);
    const body = await gzipAsync(Buffer.from(text, 'utf8'));
    try {
      await this.container.getBlockBlobClient(name).upload(body, body.length, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' },
        metadata: {
          contentid: metadataValue(ref.contentId),
          contentcreated: metadataValue(ref.contentCreated),
        },
      });
      return { name, created: true };
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) return { name, created: false };
      throw e;
    }
  }

  /** The text of a gzip blob written by this store (raw or quarantined content); undefined when absent. */
  async readContent(name: string): Promise<string | undefined> {
    try {
      const res = await this.container.getBlobClient(name).download();
      const buf = await streamToBuffer(res.readableStreamBody);
      return (await gunzipAsync(buf)).toString('utf8');
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Keeps malformed content out of the pipeline but not out of reach: the text as fetched (gzip) with the reason
   * in the blob's `reason` metadata (URI-encoded). Overwrites, so the latest reason wins. Returns the blob name.
   */
  async putQuarantine(ref: ContentRef, text: string, reason: string): Promise<string> {
    const name = quarantineName(ref);
    const body = await gzipAsync(Buffer.from(text, 'utf8'));
    await this.container.getBlockBlobClient(name).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' },
      metadata: { reason: metadataValue(reason), contentid: metadataValue(ref.contentId) },
    });
    return name;
  }

  /** The decoded `reason` metadata of a quarantined blob; undefined when the blob is absent. */
  async quarantineReason(name: string): Promise<string | undefined> {
    try {
      const props = await this.container.getBlobClient(name).getProperties();
      const r = props.metadata?.reason;
      return r === undefined ? undefined : decodeURIComponent(r);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async readJson<T>(name: string): Promise<{ value: T; etag: string } | undefined> {
    try {
      const res = await this.container.getBlobClient(name).download();
      const buf = await streamToBuffer(res.readableStreamBody);
      if (!res.etag) throw new Error(`Archive document ${name} was returned without an ETag`);
      return { value: JSON.parse(buf.toString('utf8')) as T, etag: res.etag };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Writes a JSON document only if it is still as read: `etag` null means it must not exist yet. Throws
   * {@link ConcurrencyError} otherwise. Returns the new ETag for the next write.
   */
  async writeJson<T>(name: string, value: T, etag: string | null): Promise<string> {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    try {
      const res = await this.container.getBlockBlobClient(name).upload(body, body.length, {
        conditions: etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      if (!res.etag) throw new Error(`Archive document ${name} was written without an ETag in the response`);
      return res.etag;
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 || status === 412) throw new ConcurrencyError(name, etag);
      // If-Match against a blob that does not exist is a lost race too (it was deleted since it was read).
      if (status === 404 && etag !== null) throw new ConcurrencyError(name, etag);
      throw e;
    }
  }

  /** Deletes a short-lived state document (no error when it is already gone: pruning is retried freely). */
  async deleteDocument(name: string): Promise<void> {
    await this.container.getBlobClient(name).deleteIfExists();
  }

  /** Blob names under a prefix, in name order (e.g. a content type's ledger documents for one day). */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix })) names.push(item.name);
    return names;
  }
}
