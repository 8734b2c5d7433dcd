/**
 * The HTTP surface the real azure-kusto-data / azure-kusto-ingest clients talk to: cloud-info probe, management
 * commands (v1), queries (v2, and v1 for `executeQueryV1`), and streaming ingestion. Every failure is answered in
 * Kusto's OneApi shape so the SDK raises the same errors it raises against a cluster.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { Clock } from '../clock';
import { type CommandContext, executeCommand, type IngestionResources } from './commands';
import { badRequest, KustoLocalError } from './errors';
import { prepareRows } from './ingest';
import type { IngestionFault } from './queued-ingestion';
import { authorize, principalFor, type PrincipalDirectory } from './principals';
import { v1Response, v2ErrorResponse, v2Response } from './protocol';
import { runQuery, runQueryTables } from './query/engine';
import type { KustoStore } from './store';

export interface ServerDependencies {
  readonly store: KustoStore;
  readonly clock: Clock;
  readonly principals: PrincipalDirectory;
  readonly ingestionResources?: () => IngestionResources | undefined;
  /** Test hook behind `POST /local/faults/ingestion`. */
  readonly injectIngestionFailures?: (fault: IngestionFault) => void;
  /** A real cluster refuses streaming ingestion into a table whose streaming policy is off; so does this one. */
  readonly requireStreamingPolicy: boolean;
}

/** The database the SDK addresses when the connection string names none. */
const DEFAULT_DATABASE = 'NetDefaultDB';

export function createRequestHandler(
  deps: ServerDependencies,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      sendError(res, req, error, deps.clock.now());
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDependencies): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  if (req.method === 'GET' && path === '/v1/rest/auth/metadata') {
    // 404 tells the SDK to use public-cloud defaults (a 500 would fail every call).
    sendJson(res, 404, {
      error: { code: 'NotFound', message: 'No cloud metadata on the local Kusto endpoint.' },
    });
    return;
  }
  if (req.method === 'GET' && (path === '' || path === '/health')) {
    sendJson(res, 200, { status: 'ok', service: 'local-kusto' });
    return;
  }
  if (req.method !== 'POST')
    throw new KustoLocalError(
      404,
      'NotFound',
      'Kusto.Common.NotFound',
      `No route for ${req.method} ${path}.`,
    );
  const body = await readBody(req);
  const principal = principalFor(req.headers, deps.principals);
  const now = deps.clock.now();

  if (path === '/v1/rest/mgmt' || path === '/v2/rest/query' || path === '/v1/rest/query') {
    const request = parseJsonBody(body);
    const database = request.db || DEFAULT_DATABASE;
    deps.store.ensureDatabase(database, now);
    if (path === '/v1/rest/mgmt') {
      const ctx: CommandContext = {
        store: deps.store,
        database,
        principal,
        now,
        ingestionResources: deps.ingestionResources?.(),
      };
      sendJson(res, 200, v1Response(executeCommand(request.csl, ctx)));
      return;
    }
    authorize(principal, 'read', 'Query', database);
    if (path === '/v1/rest/query') {
      sendJson(
        res,
        200,
        v1Response(
          runQuery(request.csl, { store: deps.store, database, now, parameters: request.parameters }),
        ),
      );
      return;
    }
    try {
      sendJson(
        res,
        200,
        v2Response(
          runQueryTables(request.csl, { store: deps.store, database, now, parameters: request.parameters }),
        ),
      );
    } catch (error) {
      // Syntax errors are refused up front (HTTP 400, as a cluster does); semantic and unsupported-operator errors
      // arrive in the DataSetCompletion frame, which the SDK turns into an Error that quotes the message.
      if (error instanceof KustoLocalError && error.code !== 'General_BadRequest') {
        sendJson(res, 200, v2ErrorResponse(error.toOneApi(requestId(req), randomUUID(), now)));
        return;
      }
      throw error;
    }
    return;
  }

  if (path === '/local/faults/ingestion') {
    authorize(principal, 'admin', 'Inject ingestion failures', DEFAULT_DATABASE);
    if (!deps.injectIngestionFailures)
      throw badRequest('Queued ingestion is off on this local Kusto endpoint.');
    let fault: IngestionFault;
    try {
      fault = JSON.parse(body.toString('utf8')) as IngestionFault;
    } catch {
      throw badRequest(
        'Body must be JSON {status: "Transient"|"Permanent", table?, errorCode?, details?, count?}.',
      );
    }
    try {
      deps.injectIngestionFailures(fault);
    } catch (error) {
      throw badRequest((error as Error).message);
    }
    sendJson(res, 200, { injected: fault });
    return;
  }

  const ingest = /^\/v1\/rest\/ingest\/([^/]+)\/([^/]+)$/.exec(path);
  if (ingest) {
    const database = decodeURIComponent(ingest[1]!);
    const table = decodeURIComponent(ingest[2]!);
    authorize(principal, 'ingest', 'Streaming ingest', database);
    deps.store.ensureDatabase(database, now);
    const info = deps.store.getTable(database, table);
    if (info && deps.requireStreamingPolicy && !info.streamingIngestionEnabled)
      throw new KustoLocalError(
        400,
        'BadRequest_StreamingIngestionPolicyNotEnabled',
        'Kusto.DataNode.Exceptions.StreamingIngestionPolicyNotEnabledException',
        `Streaming ingestion policy is not enabled for table '${table}' in database '${database}' (.alter table ${table} policy streamingingestion enable).`,
      );
    const rows = prepareRows(deps.store, {
      database,
      table,
      format: url.searchParams.get('streamFormat') ?? 'json',
      mappingName: url.searchParams.get('mappingName') ?? undefined,
      payload: body.toString('utf8'),
    });
    if (rows.length > 0) deps.store.appendExtent(database, table, rows, [], now);
    sendJson(res, 200, {
      Tables: [
        {
          TableName: 'Table_0',
          Columns: [
            { ColumnName: 'ConsumedRecordsCount', DataType: 'Int64', ColumnType: 'long' },
            { ColumnName: 'UpdatePolicyStatus', DataType: 'String', ColumnType: 'string' },
            { ColumnName: 'UpdatePolicyFailureCode', DataType: 'String', ColumnType: 'string' },
            { ColumnName: 'UpdatePolicyFailureReason', DataType: 'String', ColumnType: 'string' },
          ],
          Rows: [[rows.length, 'Inactive', 'Unknown', null]],
        },
      ],
    });
    return;
  }
  throw new KustoLocalError(404, 'NotFound', 'Kusto.Common.NotFound', `No route for POST ${path}.`);
}

interface RequestBody {
  db: string;
  csl: string;
  parameters: Record<string, unknown>;
}

function parseJsonBody(body: Buffer): RequestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('Request body must be JSON {db, csl, properties?}.');
  }
  const request = parsed as { db?: unknown; csl?: unknown; properties?: unknown };
  if (typeof request.csl !== 'string') throw badRequest("Request body has no 'csl' string.");
  // The SDK sends properties as an object; other clients send it as a JSON string.
  let properties = request.properties;
  if (typeof properties === 'string') {
    try {
      properties = JSON.parse(properties);
    } catch {
      properties = undefined;
    }
  }
  const parameters = (properties as { Parameters?: unknown } | undefined)?.Parameters;
  return {
    db: typeof request.db === 'string' ? request.db : '',
    csl: request.csl,
    parameters: parameters && typeof parameters === 'object' ? (parameters as Record<string, unknown>) : {},
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  try {
    if (encoding === 'gzip') return gunzipSync(raw);
    if (encoding === 'deflate') return inflateSync(raw);
  } catch {
    throw badRequest(`Request body is not valid ${encoding}.`);
  }
  return raw;
}

function requestId(req: IncomingMessage): string {
  const header = req.headers['x-ms-client-request-id'];
  return typeof header === 'string' ? header : '';
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, req: IncomingMessage, error: unknown, now: number): void {
  const kustoError =
    error instanceof KustoLocalError
      ? error
      : new KustoLocalError(
          500,
          'InternalServiceError',
          'Kusto.Common.InternalError',
          `Local Kusto endpoint failure: ${(error as Error)?.message ?? String(error)}`,
        );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, kustoError.httpStatus, kustoError.toOneApi(requestId(req), randomUUID(), now));
}
