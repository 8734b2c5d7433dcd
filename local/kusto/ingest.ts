/**
 * Turning an ingestion payload into rows: JSON / MultiJSON parsing and the JSON ingestion mapping (both the
 * `{column,path,datatype}` and the `{Column,DataType,Properties:{Path}}` casings Kusto accepts). Shared by streaming
 * ingestion and the queued-ingestion worker, so both paths apply a mapping identically.
 */
import { badRequest, entityNotFound, ingestionRejected } from './errors';
import type { KustoStore, TableInfo } from './store';
import { coerceForStore, type KustoType, parseKustoType } from './types';

export interface MappingEntry {
  readonly column: string;
  /** JSONPath segments after `$` (empty = the whole record). */
  readonly path: readonly (string | number)[];
  readonly datatype?: KustoType;
}

/** Formats whose payload is JSON records; the only ones the product sends. */
const JSON_FORMATS = new Set(['json', 'multijson', 'singlejson']);

export function isJsonFormat(format: string): boolean {
  return JSON_FORMATS.has(format.toLowerCase());
}

/**
 * Splits a payload into JSON values: newline-delimited objects (`json`), concatenated or pretty-printed objects and
 * arrays of objects (`multijson`). Top-level arrays are expanded into their elements.
 */
export function parseJsonRecords(text: string): unknown[] {
  const records: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      if (depth === 0)
        throw invalidBlob(`Ingestion payload: a bare string at offset ${i} is not a JSON record.`);
    } else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth < 0) throw invalidBlob(`Ingestion payload: unbalanced '${ch}' at offset ${i}.`);
      if (depth === 0) {
        const value = parseJson(text.slice(start, i + 1), start);
        if (Array.isArray(value)) records.push(...value);
        else records.push(value);
      }
    } else if (depth === 0 && !/\s/.test(ch!)) {
      throw invalidBlob(`Ingestion payload: unexpected '${ch}' at offset ${i}.`);
    }
  }
  if (depth !== 0 || inString) throw invalidBlob('Ingestion payload: truncated JSON record at the end.');
  return records;
}

function parseJson(slice: string, offset: number): unknown {
  try {
    return JSON.parse(slice);
  } catch (error) {
    throw invalidBlob(
      `Ingestion payload: invalid JSON record at offset ${offset}: ${(error as Error).message}`,
    );
  }
}

function invalidBlob(message: string): Error {
  return ingestionRejected('BadRequest_InvalidBlob', message);
}

/** `$.a.b`, `$['a b'].c`, `$.a[0]` → segments. */
export function parseJsonPath(path: string): (string | number)[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw badRequest(`Mapping path '${path}' must start with '$'.`);
  const segments: (string | number)[] = [];
  let i = 1;
  while (i < text.length) {
    if (text[i] === '.') {
      let j = i + 1;
      while (j < text.length && text[j] !== '.' && text[j] !== '[') j++;
      segments.push(text.slice(i + 1, j));
      i = j;
    } else if (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw badRequest(`Mapping path '${path}' has an unclosed '['.`);
      const inner = text.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted) segments.push(quoted[2]!);
      else if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else throw badRequest(`Mapping path '${path}': unsupported selector [${inner}].`);
      i = close + 1;
    } else {
      throw badRequest(`Mapping path '${path}': unexpected '${text[i]}'.`);
    }
  }
  return segments;
}

/** Normalizes a JSON ingestion mapping in either casing. */
export function parseJsonMapping(mappingJson: string): MappingEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(mappingJson);
  } catch (error) {
    throw badRequest(`Ingestion mapping is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw)) throw badRequest('Ingestion mapping must be a JSON array of column mappings.');
  return raw.map((item: unknown, index) => {
    if (!item || typeof item !== 'object')
      throw badRequest(`Ingestion mapping entry ${index} is not an object.`);
    const entry = item as Record<string, unknown>;
    const properties = (entry.Properties ?? entry.properties ?? {}) as Record<string, unknown>;
    const column = entry.column ?? entry.Column ?? entry.Name ?? entry.name;
    if (typeof column !== 'string' || column === '')
      throw badRequest(`Ingestion mapping entry ${index} has no column.`);
    const path = entry.path ?? entry.Path ?? properties.Path ?? properties.path;
    if (typeof path !== 'string')
      throw badRequest(`Ingestion mapping entry ${index} (${column}) has no path.`);
    const typeName = entry.datatype ?? entry.DataType ?? entry.dataType;
    const datatype = typeof typeName === 'string' && typeName !== '' ? parseKustoType(typeName) : undefined;
    if (typeof typeName === 'string' && typeName !== '' && !datatype)
      throw badRequest(`Ingestion mapping entry ${index} (${column}) has unknown datatype '${typeName}'.`);
    return { column, path: parseJsonPath(path), datatype };
  });
}

function select(record: unknown, path: readonly (string | number)[]): unknown {
  let current = record;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** int and long hold the same values here; any other pair of differing types is a mismatch. */
function sameFamily(a: KustoType, b: KustoType): boolean {
  const family = (t: KustoType): string => (t === 'int' || t === 'long' ? 'integer' : t);
  return family(a) === family(b);
}

/**
 * Applies a mapping (or, without one, column-name identity) and coerces every value to its column's type. A mapping
 * that no longer fits the table — a column it names is gone, or its datatype differs from the column's (the column's
 * type was altered after the mapping was written) — rejects the whole batch as BadRequest_InconsistentMapping. (A
 * cluster reads a mapping datatype only when it creates the column; this endpoint is stricter so that a type change
 * between the pipeline's schema and the table is caught in tests.)
 */
export function recordsToRows(
  records: readonly unknown[],
  table: TableInfo,
  mapping: readonly MappingEntry[] | undefined,
): Record<string, unknown>[] {
  const entries: MappingEntry[] = mapping
    ? [...mapping]
    : table.columns.map((c) => ({ column: c.name, path: [c.name] }));
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  for (const entry of entries) {
    const columnType = types.get(entry.column);
    if (!columnType)
      throw ingestionRejected(
        'BadRequest_InconsistentMapping',
        `Ingestion mapping refers to column '${entry.column}', which table '${table.name}' does not have.`,
      );
    if (entry.datatype && !sameFamily(entry.datatype, columnType))
      throw ingestionRejected(
        'BadRequest_InconsistentMapping',
        `Ingestion mapping maps column '${entry.column}' as ${entry.datatype}, but table '${table.name}' has it as ${columnType}.`,
      );
  }
  return records.map((record) => {
    const row: Record<string, unknown> = {};
    for (const entry of entries)
      row[entry.column] = coerceForStore(select(record, entry.path), types.get(entry.column)!);
    return row;
  });
}

export interface IngestRequest {
  readonly database: string;
  readonly table: string;
  readonly format: string;
  readonly mappingName?: string;
  readonly payload: string;
  readonly tags?: readonly string[];
}

/** Parses and maps a payload against the stored table and mapping; does not write. */
export function prepareRows(store: KustoStore, request: IngestRequest): Record<string, unknown>[] {
  const table = store.getTable(request.database, request.table);
  if (!table) throw entityNotFound('Table', request.table, request.database);
  if (!isJsonFormat(request.format))
    throw badRequest(
      `Ingestion format '${request.format}' is not supported by the local Kusto endpoint (json, multijson).`,
    );
  let mapping: MappingEntry[] | undefined;
  if (request.mappingName) {
    const stored = store.getMapping(request.database, request.table, 'Json', request.mappingName);
    if (!stored)
      throw ingestionRejected(
        'BadRequest_InvalidMappingReference',
        `Mapping reference '${request.mappingName}' of kind 'Json' in table '${request.table}' of database '${request.database}' could not be found.`,
      );
    mapping = parseJsonMapping(stored.mapping);
  }
  return recordsToRows(parseJsonRecords(request.payload), table, mapping);
}
