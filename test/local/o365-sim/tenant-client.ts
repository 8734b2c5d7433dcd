/**
 * Raw HTTPS calls to a multi-tenant simulator for its own tests: a token per tenant, API calls on a tenant's path,
 * and requests that carry a chosen Host header (a sovereign cloud's) while connecting to the loopback simulator.
 */
import { request } from 'node:https';
import type { RunningSim } from '../../../local/o365-sim';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

/** Sends a request to the simulator whatever the URL's host, with `Host` set to `hostHeader` (default: the URL's). */
export function call(
  sim: RunningSim,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; hostHeader?: string } = {},
): Promise<Reply> {
  const target = new URL(url);
  const port = Number(new URL(sim.apiUrl).port);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: init.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        // The certificate names localhost: verify against it, whatever Host the request claims.
        servername: 'localhost',
        headers: { ...(init.headers ?? {}), Host: init.hostHeader ?? target.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A client-credentials token for `tenantId` (v2 endpoint), asked on `loginHost`. */
export async function tokenIn(
  sim: RunningSim,
  tenantId: string,
  loginHost = new URL(sim.loginUrl).host,
  secret = sim.clientSecret,
): Promise<Reply> {
  return call(sim, `https://${loginHost}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: secret,
      scope: 'https://manage.office.com/.default',
    }).toString(),
  });
}

export interface TenantClient {
  tenantId: string;
  token: string;
  /** GET/POST on `https://<apiHost>/api/v1.0/<tenant>/activity/feed/<rest>`, or a full URL. */
  get(restOrUrl: string, publisher?: string): Promise<Reply>;
  post(rest: string, publisher?: string): Promise<Reply>;
}

/** A client of one tenant that sends its API calls with `apiHost` as Host (default the simulator's own). */
export async function tenantClient(
  sim: RunningSim,
  tenantId: string,
  apiHost = new URL(sim.apiUrl).host,
): Promise<TenantClient> {
  const reply = await tokenIn(sim, tenantId);
  if (reply.status !== 200) throw new Error(`token for ${tenantId}: ${reply.status} ${reply.text}`);
  const token = reply.json<{ access_token: string }>().access_token;
  const url = (rest: string, publisher: string | undefined): string => {
    const full = rest.startsWith('https://')
      ? rest
      : `https://${apiHost}/api/v1.0/${tenantId}/activity/feed/${rest}`;
    if (!publisher) return full;
    return `${full}${full.includes('?') ? '&' : '?'}PublisherIdentifier=${publisher}`;
  };
  const headers = { Authorization: `Bearer ${token}` };
  return {
    tenantId,
    token,
    get: (rest, publisher) => call(sim, url(rest, publisher), { headers }),
    post: (rest, publisher) => call(sim, url(rest, publisher), { method: 'POST', headers }),
  };
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

export interface Entry {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

/** Every listing entry of [from, to) for Audit.General, following NextPageUri. */
export async function listAll(client: TenantClient, fromMs: number, toMs: number): Promise<Entry[]> {
  const entries: Entry[] = [];
  let next: string | undefined =
    `subscriptions/content?contentType=Audit.General&startTime=${isoMinute(fromMs)}&endTime=${isoMinute(toMs)}`;
  while (next) {
    const r = await client.get(next);
    if (r.status !== 200) throw new Error(`listing failed ${r.status} ${r.text}`);
    entries.push(...r.json<Entry[]>());
    const header = r.headers.nextpageuri;
    next = typeof header === 'string' ? header : undefined;
  }
  return entries;
}
