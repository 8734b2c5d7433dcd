/**
 * The Durable extension's HTTP API over the engine: the RPC routes `df.getClient` calls (at rpcBaseUrl) and the
 * public webhooks (`/runtime/webhooks/durabletask/...`) share it. Status codes follow the extension's answers.
 */
import { managementUrls, statusJson, type ClientEndpoints } from './client-payload';
import { DurableApiError, isTerminal, type DurableEngine } from './engine';

export interface ApiRequest {
  method: string;
  /** Path segments after the API prefix, decoded. */
  segments: string[];
  query: URLSearchParams;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const pageSize = 100;

function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, body, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers } };
}

/** Plain-text answers where the client turns the body into an error message as is (rewind). */
function text(status: number, message: string): ApiResponse {
  return { status, body: message, headers: { 'Content-Type': 'text/plain; charset=utf-8' } };
}

function parseJsonBody(text: string): string | null {
  if (text.trim() === '') return null;
  JSON.parse(text); // throws → 400
  return text;
}

function parseTime(value: string | null): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new DurableApiError(400, `Invalid date-time '${value}'.`);
  return t;
}

function truthy(value: string | null): boolean {
  return value !== null && value.toLowerCase() === 'true';
}

export function createDurableApi(engine: DurableEngine, endpoints: () => ClientEndpoints) {
  function startNew(req: ApiRequest, name: string, instanceId: string | undefined): ApiResponse {
    let input: string | null;
    try {
      input = parseJsonBody(req.body);
    } catch {
      return json(400, { message: 'The request body must be JSON (or empty).' });
    }
    const inst = engine.startNew(name, instanceId, input);
    const urls = managementUrls(endpoints(), inst.instanceId);
    return json(202, urls, { Location: urls.statusQueryGetUri, 'Retry-After': '10' });
  }

  function getStatus(req: ApiRequest, id: string): ApiResponse {
    const inst = engine.get(id);
    if (!inst) return json(404, { message: `No instance with ID '${id}' found.` });
    const body = statusJson(inst, {
      showHistory: truthy(req.query.get('showHistory')),
      showHistoryOutput: truthy(req.query.get('showHistoryOutput')),
      showInput: req.query.get('showInput') === null ? true : truthy(req.query.get('showInput')),
    });
    if (inst.status === 'Running' || inst.status === 'Pending') {
      const urls = managementUrls(endpoints(), id);
      return json(202, body, { Location: urls.statusQueryGetUri, 'Retry-After': '10' });
    }
    return json(200, body);
  }

  function list(req: ApiRequest): ApiResponse {
    const statuses = req.query.get('runtimeStatus');
    const all = engine.query({
      createdTimeFrom: parseTime(req.query.get('createdTimeFrom')),
      createdTimeTo: parseTime(req.query.get('createdTimeTo')),
      runtimeStatus: statuses ? statuses.split(',').map((s) => s.trim()) : undefined,
    });
    const tokenHeader = req.headers['x-ms-continuation-token'];
    const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
    const offset = token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0;
    const top = Number(req.query.get('top')) || pageSize;
    const page = all.slice(offset, offset + top);
    const headers: Record<string, string> = {};
    if (offset + top < all.length) {
      headers['x-ms-continuation-token'] = Buffer.from(String(offset + top)).toString('base64url');
    }
    const showInput = req.query.get('showInput') === null ? true : truthy(req.query.get('showInput'));
    return json(
      200,
      page.map((i) => statusJson(i, { showInput })),
      headers,
    );
  }

  function purgeMany(req: ApiRequest): ApiResponse {
    const statuses = req.query.get('runtimeStatus');
    const matches = engine.query({
      createdTimeFrom: parseTime(req.query.get('createdTimeFrom')),
      createdTimeTo: parseTime(req.query.get('createdTimeTo')),
      runtimeStatus: statuses ? statuses.split(',').map((s) => s.trim()) : undefined,
    });
    const deleted = engine.purge(matches.map((i) => i.instanceId));
    return deleted ? json(200, { instancesDeleted: deleted }) : json(404, { instancesDeleted: 0 });
  }

  function instanceOperation(req: ApiRequest, id: string, op: string, rest: string[]): ApiResponse {
    const reason = req.query.get('reason') ?? '';
    switch (op) {
      case 'terminate':
        engine.terminate(id, reason);
        return { status: 202 };
      case 'suspend':
        engine.suspend(id, reason);
        return { status: 202 };
      case 'resume':
        engine.resume(id, reason);
        return { status: 202 };
      case 'raiseEvent': {
        const name = rest[0];
        if (!name) return json(400, { message: 'An event name is required.' });
        let input: string | null;
        try {
          input = parseJsonBody(req.body);
        } catch {
          return json(400, { message: 'The event data must be JSON.' });
        }
        engine.raiseEvent(id, name, input);
        return { status: 202 };
      }
      case 'rewind': {
        const inst = engine.get(id);
        if (!inst) return text(404, `No instance with ID '${id}' found.`);
        if (inst.status !== 'Failed') {
          return text(412, 'The rewind operation is only supported on failed orchestration instances.');
        }
        return text(
          501,
          'The rewind operation is not supported by the local host (as with providers without rewind).',
        );
      }
      default:
        return json(404, { message: `Unknown instance operation '${op}'.` });
    }
  }

  /** Handles one request; `segments` start after the API prefix. */
  return function handle(req: ApiRequest): ApiResponse {
    const [area, first, second, ...rest] = req.segments;
    try {
      if (area === 'orchestrators' && first && req.method === 'POST')
        return startNew(req, first, second || undefined);
      if (area === 'instances') {
        if (!first) {
          if (req.method === 'GET') return list(req);
          if (req.method === 'DELETE') return purgeMany(req);
        } else if (!second) {
          if (req.method === 'GET') return getStatus(req, first);
          if (req.method === 'DELETE') {
            const inst = engine.get(first);
            if (!inst || !isTerminal(inst.status)) return json(404, { instancesDeleted: 0 });
            return json(200, { instancesDeleted: engine.purge([first]) });
          }
        } else if (req.method === 'POST') {
          return instanceOperation(req, first, second, rest);
        }
      }
      if (area === 'entities')
        return json(501, { message: 'Durable entities are not supported by the local host.' });
      return json(404, { message: `No Durable API route for ${req.method} /${req.segments.join('/')}` });
    } catch (err) {
      if (err instanceof DurableApiError) return json(err.status, { message: err.message });
      throw err;
    }
  };
}

export type DurableApiHandler = ReturnType<typeof createDurableApi>;
