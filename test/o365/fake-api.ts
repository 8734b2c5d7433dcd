/**
 * A scripted stand-in for the Management Activity API inside one test: each request is recorded and answered by the
 * test's handler, so a test can say exactly which answer (error code, header, delay) the client meets.
 * The full simulator (local/o365-sim) is used by sim.test.ts; this one isolates one behaviour at a time.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { ManagementApiClient, type ManagementApiClientOptions } from '../../src/o365';

export const TENANT = '11111111-2222-3333-4444-555555555555';

export interface RecordedRequest {
  method: string;
  /** Path without the `/api/v1.0/{tenant}/activity/feed` prefix when present. */
  route: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

/** Answers one request; `count` is its number (1 = first), `api` the fake API itself (for URLs on its host). */
export type Handler = (req: RecordedRequest, count: number, api: FakeApi) => Reply | Promise<Reply>;

export interface FakeApi {
  url: string;
  feed: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Runs `body` against a fake API answering with `handler`, and closes the API however `body` ends. */
export async function withFakeApi<T>(handler: Handler, body: (api: FakeApi) => Promise<T>): Promise<T> {
  const api = await startFakeApi(handler);
  try {
    return await body(api);
  } finally {
    await api.close();
  }
}

export async function startFakeApi(handler: Handler): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const prefix = `/api/v1.0/${TENANT}/activity/feed`;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const route = u.pathname.startsWith(prefix) ? u.pathname.slice(prefix.length) : u.pathname;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      route,
      query: u.searchParams,
      headers: req.headers,
      at: Date.now(),
    };
    requests.push(rec);
    req.resume();
    req.on('end', () => {
      void Promise.resolve(handler(rec, requests.length, api)).then((reply) => {
        if (reply.hang) return;
        const body =
          reply.body === undefined
            ? ''
            : typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: FakeApi = {
    url,
    feed: `${url}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}

/** The API's error body. */
export function apiError(
  status: number,
  code: string,
  message = `${code} message`,
  headers?: Record<string, string>,
): Reply {
  return { status, headers, body: { error: { code, message } } };
}

/** A credential that hands out token-1, token-2, ... and remembers the scopes asked for. */
export class CountingCredential implements TokenCredential {
  calls = 0;
  scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.calls++;
    this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: `token-${this.calls}`, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** A credential whose every token request fails with `message` (an expired secret, a rejected assertion, ...). */
export function failingCredential(message: string): TokenCredential {
  return {
    getToken: async () => {
      throw new Error(message);
    },
  };
}

/** A client with fast retries, for tests. */
export function testClient(
  api: FakeApi,
  extra: Partial<ManagementApiClientOptions> = {},
): { client: ManagementApiClient; credential: CountingCredential } {
  const credential = new CountingCredential();
  const client = new ManagementApiClient({
    tenantId: TENANT,
    apiUrl: api.url,
    credential,
    retry: { baseDelayMs: 1, maxDelayMs: 50, timeoutMs: 2_000, maxAttempts: 4 },
    random: () => 0.5,
    ...extra,
  });
  return { client, credential };
}

/** A content reference for a blob served by `api`. */
export function ref(api: FakeApi, id: string, created: string, contentType = 'Audit.General') {
  return {
    contentType,
    contentId: id,
    contentUri: `${api.feed}/audit/${id}`,
    contentCreated: created,
    contentExpiration: new Date(Date.parse(created) + 7 * 86_400_000).toISOString(),
  };
}

/** A window of `hours` ending `endAgoMinutes` before now. */
export function recentWindow(hours = 1, endAgoMinutes = 10): { start: string; end: string } {
  const end = Math.floor((Date.now() - endAgoMinutes * 60_000) / 1000) * 1000;
  return { start: new Date(end - hours * 3_600_000).toISOString(), end: new Date(end).toISOString() };
}
