/**
 * The HTTPS front of the simulator: routes requests to the identity endpoints, the API and the admin routes, and
 * wraps API calls in what a real service does to them — latency, scripted answers, auth, the request budget and
 * random faults — counting all of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  apiError,
  type ApiContext,
  fetchContent,
  listContent,
  listSubscriptions,
  type SimResponse,
  startSubscription,
  stopSubscription,
  type SubscriptionState,
} from './api';
import { aadErrorBody, type TokenAuthority } from './auth';
import type { ContentSource } from './content-source';
import type { CounterBook } from './counters';
import { type FaultDice, mergeFaults, type RequestBudget } from './faults';
import type { Clock } from '../clock';
import type { FaultConfig, GroundTruth, RequestKind, ScriptedResponse, SimCounters } from './types';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_PATH = /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(.+)$/;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token$/;
const OPENID_PATH = /^\/([^/]+)\/(v2\.0\/)?\.well-known\/openid-configuration$/;
const MAX_BODY = 1_000_000;

export interface SimServerDeps {
  clock: Clock;
  seed: number;
  tenantId: string;
  authority: TokenAuthority;
  source: ContentSource;
  subscriptions: SubscriptionState;
  counters: CounterBook;
  budget: RequestBudget;
  dice: FaultDice;
  pageSize: number;
  faults(): FaultConfig;
  setFaults(f: Partial<FaultConfig>): void;
  counterSnapshot(): SimCounters;
  groundTruth(fromMs: number, toMs: number): GroundTruth;
}

interface ScriptSlot {
  rule: ScriptedResponse;
  remaining: number;
}

export class SimServer {
  apiUrl = '';
  private readonly scripts: ScriptSlot[] = [];
  private readonly hanging = new Set<NodeJS.Timeout>();
  private readonly sleeping = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: SimServerDeps) {}

  script(rules: ScriptedResponse[]): void {
    for (const rule of rules) this.scripts.push({ rule, remaining: rule.times ?? 1 });
  }

  /** Cancels hanging requests and pending latency so close() never waits on them. */
  shutdown(): void {
    for (const t of this.hanging) clearTimeout(t);
    for (const t of this.sleeping) clearTimeout(t);
    this.hanging.clear();
    this.sleeping.clear();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        this.send(res, {
          status: 500,
          body: { error: { code: 'AF50000', message: `Simulator error: ${String(err)}` } },
        });
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const body = await readBody(req);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/_sim/')) return this.send(res, this.admin(method, path, url.searchParams, body));

    const token = TOKEN_PATH.exec(path);
    if (token && method === 'POST') return this.token(res, token[1] as string, Boolean(token[2]), body);
    const openid = OPENID_PATH.exec(path);
    if (openid && method === 'GET') {
      const tenant = openid[1] as string;
      if (!this.deps.authority.sameTenant(tenant)) {
        const failure = this.deps.authority.unknownTenant(tenant);
        return this.send(res, {
          status: failure.status,
          body: aadErrorBody(failure, this.deps.clock.now()),
          code: failure.error,
        });
      }
      return this.send(res, {
        status: 200,
        body: this.deps.authority.openIdConfiguration(this.apiUrl, tenant, Boolean(openid[2])),
      });
    }
    if (path === '/common/discovery/instance' && method === 'GET') {
      const host = new URL(this.apiUrl).host;
      return this.send(res, {
        status: 200,
        body: {
          tenant_discovery_endpoint: `${this.apiUrl}/${this.deps.tenantId}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      });
    }
    const api = API_PATH.exec(path);
    if (api) return this.api(req, res, method, api[1] as string, api[2] as string, url.searchParams, body);
    return this.send(res, {
      status: 404,
      body: { error: { code: 'NotFound', message: `No route ${method} ${path}` } },
    });
  }

  private classify(method: string, rest: string): RequestKind | 'badMethod' | undefined {
    const expect = (kind: RequestKind, m: string): RequestKind | 'badMethod' =>
      method === m ? kind : 'badMethod';
    if (rest === 'subscriptions/start') return expect('start', 'POST');
    if (rest === 'subscriptions/stop') return expect('stop', 'POST');
    if (rest === 'subscriptions/list') return expect('subscriptions', 'GET');
    if (rest === 'subscriptions/content') return expect('list', 'GET');
    if (rest.startsWith('audit/') && rest.length > 'audit/'.length) return expect('content', 'GET');
    return undefined;
  }

  private async api(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    tenant: string,
    rest: string,
    params: URLSearchParams,
    body: string,
  ): Promise<void> {
    const kind = this.classify(method, rest);
    if (kind === undefined)
      return this.send(res, {
        status: 404,
        body: { error: { code: 'NotFound', message: `Unknown API path ${rest}` } },
      });
    if (kind === 'badMethod')
      return this.send(res, {
        status: 405,
        body: { error: { code: 'MethodNotAllowed', message: `${method} is not allowed on ${rest}` } },
      });
    const { counters, authority } = this.deps;
    counters.request(kind);
    const query = new Map<string, string>();
    for (const [k, v] of params) query.set(k.toLowerCase(), v);
    if (!query.has('publisheridentifier')) counters.missingPublisher();
    const faults = this.deps.faults();

    const delay = this.deps.dice.latency(faults);
    if (delay > 0) {
      counters.fault('latency');
      await this.sleep(delay);
    }
    const scripted = this.takeScript(kind);
    if (scripted) return this.send(res, scripted);

    const claims = authority.verify(req.headers.authorization, Date.now());
    if (!claims)
      return this.send(res, apiError(401, 'Unauthorized', 'Authorization has been denied for this request.'));
    if (!GUID.test(tenant))
      return this.send(
        res,
        apiError(400, 'AF20013', `The tenant ID passed in the URL (${tenant}) is not a valid GUID.`),
      );
    if (claims.tid.toLowerCase() !== tenant.toLowerCase()) {
      return this.send(
        res,
        apiError(
          403,
          'AF20010',
          `The tenant ID passed in the URL (${tenant}) does not match the tenant ID passed in the access token (${claims.tid}).`,
        ),
      );
    }
    if (!claims.roles.includes('ActivityFeed.Read'))
      return this.send(
        res,
        apiError(
          403,
          'AF10001',
          'The permission set (ActivityFeed.Read) sent in the request does not include the expected permission.',
        ),
      );

    const throttleStatus = kind === 'content' && faults.blobThrottleAs403 ? 403 : 429;
    const method403 = kind === 'content' ? 'GetBlob' : kind === 'list' ? 'ListContent' : 'Subscriptions';
    const throttled = (retryAfter?: number): SimResponse => ({
      ...apiError(
        throttleStatus,
        'AF429',
        `Too many requests. Method=${method403}, PublisherId=${query.get('publisheridentifier') ?? '00000000-0000-0000-0000-000000000000'}`,
      ),
      headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    });
    const realNow = Date.now();
    if (!this.deps.budget.admit(realNow, faults.requestBudgetPerMinute)) {
      counters.fault('overBudget');
      return this.send(res, throttled(Math.max(1, Math.ceil((60_000 - (realNow % 60_000)) / 1000))));
    }
    const fault = this.deps.dice.roll(faults);
    if (fault.kind === 'timeout') {
      counters.fault('timeout');
      const t = setTimeout(() => {
        this.hanging.delete(t);
        res.socket?.destroy();
      }, faults.timeoutMs);
      this.hanging.add(t);
      return;
    }
    if (fault.kind === 'throttle') {
      counters.fault('throttle');
      return this.send(res, throttled(fault.retryAfter));
    }
    if (fault.kind === 'serverError') {
      counters.fault('serverError');
      return this.send(
        res,
        fault.code
          ? apiError(fault.status, fault.code, 'An internal server error occurred. Retry the request.')
          : {
              status: fault.status,
              rawBody: 'Service Unavailable',
              headers: { 'Content-Type': 'text/plain' },
            },
      );
    }

    const ctx: ApiContext = {
      source: this.deps.source,
      subscriptions: this.deps.subscriptions,
      apiUrl: this.apiUrl,
      tenantId: tenant,
      seed: this.deps.seed,
      pageSize: this.deps.pageSize,
      now: this.deps.clock.now(),
      query,
    };
    const response =
      kind === 'start'
        ? startSubscription(ctx, body)
        : kind === 'stop'
          ? stopSubscription(ctx)
          : kind === 'subscriptions'
            ? listSubscriptions(ctx)
            : kind === 'list'
              ? listContent(ctx)
              : fetchContent(ctx, rest.slice('audit/'.length));
    if (kind === 'content' && response.status === 200) {
      if (response.code === 'malformed') {
        counters.fault('malformedServed');
        response.code = undefined;
      }
      counters.served(response.records ?? 0);
    }
    return this.send(res, response);
  }

  private token(res: ServerResponse, tenant: string, v2: boolean, body: string): void {
    this.deps.counters.request('token');
    const scripted = this.takeScript('token');
    if (scripted) return this.send(res, scripted);
    const outcome = this.deps.authority.issue(tenant, new URLSearchParams(body), v2, Date.now());
    if (outcome.ok) return this.send(res, { status: 200, body: outcome.body });
    const f = outcome.failure;
    return this.send(res, { status: f.status, body: aadErrorBody(f, this.deps.clock.now()), code: f.error });
  }

  private takeScript(kind: RequestKind): SimResponse | undefined {
    const slot = this.scripts.find((s) => s.rule.match === kind && s.remaining > 0);
    if (!slot) return undefined;
    slot.remaining--;
    if (slot.remaining <= 0) this.scripts.splice(this.scripts.indexOf(slot), 1);
    this.deps.counters.fault('scripted');
    const r = slot.rule;
    const code = r.code ?? (r.status >= 400 ? String(r.status) : undefined);
    const message = r.message ?? `Scripted response ${r.status}`;
    const body =
      r.status < 400
        ? undefined
        : kind === 'token'
          ? aadErrorBody(
              { error: r.code ?? 'temporarily_unavailable', description: message, aadCode: 0 },
              this.deps.clock.now(),
            )
          : { error: { code, message } };
    return { status: r.status, body, headers: r.headers, code };
  }

  private admin(method: string, path: string, params: URLSearchParams, body: string): SimResponse {
    if (path === '/_sim/counters' && method === 'GET')
      return { status: 200, body: this.deps.counterSnapshot() };
    if (path === '/_sim/faults' && method === 'GET') return { status: 200, body: this.deps.faults() };
    if (path === '/_sim/faults' && method === 'POST') {
      try {
        const patch = JSON.parse(body || '{}') as Partial<FaultConfig>;
        mergeFaults(this.deps.faults(), patch);
        this.deps.setFaults(patch);
        return { status: 200, body: this.deps.faults() };
      } catch (err) {
        return { status: 400, body: { error: { code: 'BadFaults', message: (err as Error).message } } };
      }
    }
    if (path === '/_sim/script' && method === 'POST') {
      try {
        const rules = JSON.parse(body) as ScriptedResponse[];
        if (!Array.isArray(rules)) throw new Error('body must be a JSON array of scripted responses');
        this.script(rules);
        return { status: 200, body: { scripted: rules.length } };
      } catch (err) {
        return { status: 400, body: { error: { code: 'BadScript', message: (err as Error).message } } };
      }
    }
    if (path === '/_sim/ground-truth' && method === 'GET') {
      const from = Date.parse(params.get('from') ?? '');
      const to = Date.parse(params.get('to') ?? '');
      if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
        return {
          status: 400,
          body: {
            error: {
              code: 'BadRange',
              message:
                'give from and to as ISO times with from < to, e.g. ?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
            },
          },
        };
      }
      return { status: 200, body: this.deps.groundTruth(from, to) };
    }
    return {
      status: 404,
      body: { error: { code: 'NotFound', message: `No admin route ${method} ${path}` } },
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeping.delete(t);
        resolve();
      }, ms);
      this.sleeping.add(t);
    });
  }

  private send(res: ServerResponse, r: SimResponse): void {
    if (res.headersSent || res.destroyed) return;
    const isApiError = r.status >= 400;
    this.deps.counters.answer(r.status, isApiError ? r.code : undefined);
    // The service's clock, not ours: clients compensate skew for AF20030/AF20055 from this header.
    res.setHeader('Date', new Date(this.deps.clock.now()).toUTCString());
    let payload: string | undefined;
    if (r.rawBody !== undefined) payload = r.rawBody;
    else if (r.body !== undefined) payload = JSON.stringify(r.body);
    if (payload !== undefined) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    res.statusCode = r.status;
    res.end(payload);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
