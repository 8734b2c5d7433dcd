/**
 * The embedded store behind the local endpoint: one SQLite file (better-sqlite3) under the state directory, so
 * tables, mappings, functions and ingested extents survive restarts like a cluster's do. Rows are kept as JSON objects
 * keyed by column name, which lets `.create-merge table` add columns without rewriting data (old rows read null).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { badRequest } from './errors';
import type { Column, KustoType } from './types';

export interface TableInfo {
  readonly database: string;
  readonly name: string;
  readonly columns: readonly Column[];
  readonly folder: string;
  readonly docString: string;
  readonly streamingIngestionEnabled: boolean;
  /** The ingestion batching policy JSON as set with `.alter table T policy ingestionbatching`, or null. */
  readonly batchingPolicy?: string | null;
}

export interface MappingInfo {
  readonly database: string;
  readonly table: string;
  readonly kind: string;
  readonly name: string;
  /** The mapping JSON as given (both casings are normalized when applied, not when stored). */
  readonly mapping: string;
  readonly lastUpdatedOn: string;
}

export interface FunctionInfo {
  readonly database: string;
  readonly name: string;
  /** `(a:string, n:long=3)` as written. */
  readonly parameters: string;
  /** `{ ... }` as written. */
  readonly body: string;
  readonly folder: string;
  readonly docString: string;
}

export interface ExtentInfo {
  readonly id: string;
  readonly database: string;
  readonly table: string;
  readonly tags: readonly string[];
  readonly createdOn: string;
  readonly rowCount: number;
}

export interface StoredRow {
  readonly values: Record<string, unknown>;
  /** Extent creation time in ms: what `ingestion_time()` returns. */
  readonly ingestionTime: number;
}

export class KustoStore {
  private readonly db: Database.Database;
  /**
   * Parsed rows per table, dropped whenever the table's extents change: queries re-read whole tables (the evaluator
   * runs in JS), and re-parsing every row's JSON on each query would dominate at a few thousand rows.
   */
  private readonly rowCache = new Map<string, StoredRow[]>();

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.db = new Database(join(stateDir, 'kusto.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS databases (name TEXT PRIMARY KEY, created_on TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tables (
        db TEXT NOT NULL, name TEXT NOT NULL, columns TEXT NOT NULL, folder TEXT NOT NULL DEFAULT '',
        docstring TEXT NOT NULL DEFAULT '', streaming INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (db, name));
      CREATE TABLE IF NOT EXISTS mappings (
        db TEXT NOT NULL, tbl TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, mapping TEXT NOT NULL,
        updated_on TEXT NOT NULL, PRIMARY KEY (db, tbl, kind, name));
      CREATE TABLE IF NOT EXISTS functions (
        db TEXT NOT NULL, name TEXT NOT NULL, parameters TEXT NOT NULL, body TEXT NOT NULL,
        folder TEXT NOT NULL DEFAULT '', docstring TEXT NOT NULL DEFAULT '', PRIMARY KEY (db, name));
      CREATE TABLE IF NOT EXISTS extents (
        id TEXT PRIMARY KEY, db TEXT NOT NULL, tbl TEXT NOT NULL, tags TEXT NOT NULL, created_on TEXT NOT NULL,
        row_count INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS extents_by_table ON extents (db, tbl);
      CREATE TABLE IF NOT EXISTS rows (extent_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS rows_by_extent ON rows (extent_id, seq);
    `);
    // State directories from before the batching policy existed: add its column (null = the service default).
    const tableColumns = this.db.prepare('PRAGMA table_info(tables)').all() as { name: string }[];
    if (!tableColumns.some((c) => c.name === 'batching'))
      this.db.exec('ALTER TABLE tables ADD COLUMN batching TEXT');
  }

  close(): void {
    this.db.close();
  }

  /** Any database name works: it exists from its first use on. */
  ensureDatabase(name: string, now: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO databases (name, created_on) VALUES (?, ?)')
      .run(name, new Date(now).toISOString());
  }

  getTable(database: string, name: string): TableInfo | undefined {
    const row = this.db.prepare('SELECT * FROM tables WHERE db = ? AND name = ?').get(database, name) as
      TableRecord | undefined;
    return row && toTableInfo(row);
  }

  listTables(database: string): TableInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM tables WHERE db = ? ORDER BY name')
      .all(database) as TableRecord[];
    return rows.map(toTableInfo);
  }

  /** Kusto's create-merge: creates, or adds the missing columns; a column whose type differs is an error. */
  createMergeTable(
    database: string,
    name: string,
    columns: readonly Column[],
    folder?: string,
    docString?: string,
  ): TableInfo {
    const existing = this.getTable(database, name);
    if (!existing) {
      this.db
        .prepare('INSERT INTO tables (db, name, columns, folder, docstring) VALUES (?, ?, ?, ?, ?)')
        .run(database, name, JSON.stringify(columns), folder ?? '', docString ?? '');
      return this.getTable(database, name)!;
    }
    const merged = [...existing.columns];
    for (const column of columns) {
      const current = merged.find((c) => c.name === column.name);
      if (!current) merged.push(column);
      else if (current.type !== column.type)
        throw badRequest(
          `Cannot alter column '${column.name}' of table '${name}' from type '${current.type}' to '${column.type}' with .create-merge table.`,
        );
    }
    this.db
      .prepare('UPDATE tables SET columns = ?, folder = ?, docstring = ? WHERE db = ? AND name = ?')
      .run(
        JSON.stringify(merged),
        folder ?? existing.folder,
        docString ?? existing.docString,
        database,
        name,
      );
    return this.getTable(database, name)!;
  }

  setStreamingIngestion(database: string, table: string, enabled: boolean): void {
    this.db
      .prepare('UPDATE tables SET streaming = ? WHERE db = ? AND name = ?')
      .run(enabled ? 1 : 0, database, table);
  }

  setBatchingPolicy(database: string, table: string, policyJson: string | null): void {
    this.db
      .prepare('UPDATE tables SET batching = ? WHERE db = ? AND name = ?')
      .run(policyJson, database, table);
  }

  /** `.alter column T.C type=...`: the stored values stay as they are and are read as the new type. */
  alterColumnType(database: string, table: string, column: string, type: KustoType): TableInfo {
    const existing = this.getTable(database, table);
    if (!existing) throw badRequest(`Table '${table}' could not be found in database '${database}'.`);
    if (!existing.columns.some((c) => c.name === column))
      throw badRequest(`Column '${column}' could not be found in table '${table}'.`);
    const columns = existing.columns.map((c) => (c.name === column ? { name: c.name, type } : c));
    this.db
      .prepare('UPDATE tables SET columns = ? WHERE db = ? AND name = ?')
      .run(JSON.stringify(columns), database, table);
    this.rowCache.delete(cacheKey(database, table));
    return this.getTable(database, table)!;
  }

  /** Returns whether a mapping was there to drop. */
  dropMapping(database: string, table: string, kind: string, name: string): boolean {
    const result = this.db
      .prepare('DELETE FROM mappings WHERE db = ? AND tbl = ? AND kind = ? AND name = ?')
      .run(database, table, kind, name);
    return result.changes > 0;
  }

  dropTable(database: string, table: string): void {
    this.rowCache.delete(cacheKey(database, table));
    this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM rows WHERE extent_id IN (SELECT id FROM extents WHERE db = ? AND tbl = ?)')
        .run(database, table);
      this.db.prepare('DELETE FROM extents WHERE db = ? AND tbl = ?').run(database, table);
      this.db.prepare('DELETE FROM mappings WHERE db = ? AND tbl = ?').run(database, table);
      this.db.prepare('DELETE FROM tables WHERE db = ? AND name = ?').run(database, table);
    })();
  }

  upsertMapping(
    database: string,
    table: string,
    kind: string,
    name: string,
    mapping: string,
    now: number,
  ): MappingInfo {
    const updatedOn = new Date(now).toISOString();
    this.db
      .prepare(
        'INSERT OR REPLACE INTO mappings (db, tbl, kind, name, mapping, updated_on) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(database, table, kind, name, mapping, updatedOn);
    return { database, table, kind, name, mapping, lastUpdatedOn: updatedOn };
  }

  getMapping(database: string, table: string, kind: string, name: string): MappingInfo | undefined {
    const row = this.db
      .prepare('SELECT * FROM mappings WHERE db = ? AND tbl = ? AND kind = ? AND name = ?')
      .get(database, table, kind, name) as MappingRecord | undefined;
    return row && toMappingInfo(row);
  }

  listMappings(database: string, table: string): MappingInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM mappings WHERE db = ? AND tbl = ? ORDER BY name')
      .all(database, table) as MappingRecord[];
    return rows.map(toMappingInfo);
  }

  upsertFunction(fn: FunctionInfo): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO functions (db, name, parameters, body, folder, docstring) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(fn.database, fn.name, fn.parameters, fn.body, fn.folder, fn.docString);
  }

  getFunction(database: string, name: string): FunctionInfo | undefined {
    const row = this.db.prepare('SELECT * FROM functions WHERE db = ? AND name = ?').get(database, name) as
      FunctionRecord | undefined;
    return row && toFunctionInfo(row);
  }

  listFunctions(database: string): FunctionInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM functions WHERE db = ? ORDER BY name')
      .all(database) as FunctionRecord[];
    return rows.map(toFunctionInfo);
  }

  /** Appends one extent atomically: a batch is either all visible or not at all. */
  appendExtent(
    database: string,
    table: string,
    rows: readonly Record<string, unknown>[],
    tags: readonly string[],
    now: number,
  ): ExtentInfo {
    const extent: ExtentInfo = {
      id: randomUUID(),
      database,
      table,
      tags: [...tags],
      createdOn: new Date(now).toISOString(),
      rowCount: rows.length,
    };
    const insertRow = this.db.prepare('INSERT INTO rows (extent_id, seq, data) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO extents (id, db, tbl, tags, created_on, row_count) VALUES (?, ?, ?, ?, ?, ?)')
        .run(extent.id, database, table, JSON.stringify(extent.tags), extent.createdOn, rows.length);
      rows.forEach((row, seq) => insertRow.run(extent.id, seq, JSON.stringify(row)));
    })();
    this.rowCache.delete(cacheKey(database, table));
    return extent;
  }

  /** True when an extent of the table carries `tag` (what `ingestIfNotExists` checks). */
  hasExtentTag(database: string, table: string, tag: string): boolean {
    return this.listExtents(database, table).some((e) => e.tags.includes(tag));
  }

  listExtents(database: string, table: string): ExtentInfo[] {
    const rows = this.db
      .prepare('SELECT * FROM extents WHERE db = ? AND tbl = ? ORDER BY created_on, rowid')
      .all(database, table) as ExtentRecord[];
    return rows.map((r) => ({
      id: r.id,
      database: r.db,
      table: r.tbl,
      tags: JSON.parse(r.tags) as string[],
      createdOn: r.created_on,
      rowCount: r.row_count,
    }));
  }

  /** Rows in ingestion order. The returned array and its values are shared: callers must not mutate them. */
  readRows(database: string, table: string): readonly StoredRow[] {
    const key = cacheKey(database, table);
    const cached = this.rowCache.get(key);
    if (cached) return cached;
    const rows = this.db
      .prepare(
        `SELECT r.data AS data, e.created_on AS created_on FROM rows r JOIN extents e ON e.id = r.extent_id
         WHERE e.db = ? AND e.tbl = ? ORDER BY e.created_on, e.rowid, r.seq`,
      )
      .all(database, table) as { data: string; created_on: string }[];
    const parsed = rows.map((r) => ({
      values: JSON.parse(r.data) as Record<string, unknown>,
      ingestionTime: Date.parse(r.created_on),
    }));
    this.rowCache.set(key, parsed);
    return parsed;
  }
}

function cacheKey(database: string, table: string): string {
  return `${database}\u0000${table}`;
}

interface TableRecord {
  db: string;
  name: string;
  columns: string;
  folder: string;
  docstring: string;
  streaming: number;
  batching: string | null;
}
interface MappingRecord {
  db: string;
  tbl: string;
  kind: string;
  name: string;
  mapping: string;
  updated_on: string;
}
interface FunctionRecord {
  db: string;
  name: string;
  parameters: string;
  body: string;
  folder: string;
  docstring: string;
}
interface ExtentRecord {
  id: string;
  db: string;
  tbl: string;
  tags: string;
  created_on: string;
  row_count: number;
}

function toTableInfo(r: TableRecord): TableInfo {
  return {
    database: r.db,
    name: r.name,
    columns: JSON.parse(r.columns) as { name: string; type: KustoType }[],
    folder: r.folder,
    docString: r.docstring,
    streamingIngestionEnabled: r.streaming === 1,
    batchingPolicy: r.batching ?? null,
  };
}

function toMappingInfo(r: MappingRecord): MappingInfo {
  return {
    database: r.db,
    table: r.tbl,
    kind: r.kind,
    name: r.name,
    mapping: r.mapping,
    lastUpdatedOn: r.updated_on,
  };
}

function toFunctionInfo(r: FunctionRecord): FunctionInfo {
  return {
    database: r.db,
    name: r.name,
    parameters: r.parameters,
    body: r.body,
    folder: r.folder,
    docString: r.docstring,
  };
}
