/**
 * A minimal raw-HTTPS client for the simulator's own tests (deliberately not src/o365: these tests pin the
 * simulator's wire behaviour, independent of the product client).
 */
import { VirtualClock } from '../../local/clock';
import { type RunningSim, type SimOptions, startO365Sim } from '../../local/o365-sim';

export const T0 = Date.parse('2026-06-10T12:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export interface SimHarness {
  sim: RunningSim;
  clock: VirtualClock;
  base: string;
  token: string;
  get(pathOrUrl: string, init?: RequestInit): Promise<RawResponse>;
  post(pathOrUrl: string, init?: RequestInit): Promise<RawResponse>;
  start(contentType?: string): Promise<RawResponse>;
  /** Follows every NextPageUri; returns the entries of all pages and the page count. */
  listAll(query: string): Promise<{ entries: ContentEntry[]; pages: number }>;
  close(): Promise<void>;
}

export interface ContentEntry {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

async function raw(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

export async function tokenFor(
  sim: RunningSim,
  form: Record<string, string>,
  v2 = true,
  tenant = sim.tenantId,
): Promise<RawResponse> {
  const path = v2 ? 'oauth2/v2.0/token' : 'oauth2/token';
  return raw(`${sim.loginUrl}/${tenant}/${path}`, { method: 'POST', body: new URLSearchParams(form) });
}

export async function startHarness(options: SimOptions = {}, clockStart = T0): Promise<SimHarness> {
  const clock = new VirtualClock(clockStart);
  const sim = await startO365Sim({ port: 0, clock, ...options });
  const tokenResponse = await tokenFor(sim, {
    grant_type: 'client_credentials',
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    scope: `${sim.apiUrl}/.default`,
  });
  const token = tokenResponse.json<{ access_token: string }>().access_token;
  const base = `${sim.apiUrl}/api/v1.0/${sim.tenantId}/activity/feed`;
  const withAuth = (init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });
  const url = (p: string): string => (p.startsWith('https://') ? p : `${base}/${p}`);
  const h: SimHarness = {
    sim,
    clock,
    base,
    token,
    get: (p, init) => raw(url(p), withAuth(init)),
    post: (p, init) => raw(url(p), withAuth({ ...init, method: 'POST' })),
    start: (contentType = 'Audit.General') =>
      h.post(`subscriptions/start?contentType=${contentType}&PublisherIdentifier=${sim.tenantId}`),
    async listAll(query) {
      const entries: ContentEntry[] = [];
      let pages = 0;
      let next: string | null = url(`subscriptions/content?${query}`);
      while (next) {
        const r = await h.get(next);
        if (r.status !== 200) throw new Error(`listing failed ${r.status} ${r.text}`);
        entries.push(...r.json<ContentEntry[]>());
        pages++;
        next = r.headers.get('NextPageUri');
      }
      return { entries, pages };
    },
    close: () => sim.close(),
  };
  return h;
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

export function windowQuery(fromMs: number, toMs: number, contentType = 'Audit.General'): string {
  return `contentType=${contentType}&startTime=${isoMinute(fromMs)}&endTime=${isoMinute(toMs)}`;
}
