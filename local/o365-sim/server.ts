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
  notFoundHtml,
  type SimResponse,
  type StreamedBody,
  startSubscription,
  stopSubscription,
  type SubscriptionState,
} from './api';
import { aadErrorBody, type TokenAuthority } from './auth';
import type { ContentSource } from './content-source';
import { type CounterBook, type CounterSink, fanOut } from './counters';
import { type FaultDice, mergeFaults, NO_PUBLISHER, type RequestBudget } from './faults';
import type { Clock } from '../clock';
import type {
  FaultConfig,
  GroundTruth,
  GroundTruthOptions,
  HostRequestKind,
  RequestKind,
  ScriptedResponse,
  SimBlobInfo,
  SimCounters,
  SimTenantInfo,
} from './types';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_PATH = /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(.+)$/;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token$/;
const OPENID_PATH = /^\/([^/]+)\/(v2\.0\/)?\.well-known\/openid-configuration$/;
const MAX_BODY = 1_000_000;

/** Everything the server keeps for one tenant: its content, subscriptions, counters, budget and fault stream. */
export interface TenantRuntime {
  info: SimTenantInfo;
  source: ContentSource;
  subscriptions: SubscriptionState;
  counters: CounterBook;
  budget: RequestBudget;
  dice: FaultDice;
  faults(): FaultConfig;
  setFaults(f: Partial<FaultConfig>): void;
  counterSnapshot(): SimCounters;
  groundTruth(fromMs: number, toMs: number, options?: Omit<GroundTruthOptions, 'tenantId'>): GroundTruth;
  blobs(fromMs: number, toMs: number): SimBlobInfo[];
}

export interface SimServerDeps {
  clock: Clock;
  authority: TokenAuthority;
  /** In configuration order; the first is the default tenant of the admin routes. */
  tenants: TenantRuntime[];
  /** The whole simulator's book (every event is also counted here). */
  counters: CounterBook;
  pageSize: number;
  counterSnapshot(): SimCounters;
}

interface ScriptSlot {
  rule: ScriptedResponse;
  remaining: number;
}

const PAD_CHUNK = Buffer.alloc(64 * 1024, 0x20);

export class SimServer {
  apiUrl = '';
  private readonly scripts: ScriptSlot[] = [];
  private readonly hanging = new Set<NodeJS.Timeout>();
  private readonly sleeping = new Set<NodeJS.Timeout>();
  private readonly byId = new Map<string, TenantRuntime>();

  constructor(private readonly deps: SimServerDeps) {
    for (const t of deps.tenants) this.byId.set(t.info.tenantId.toLowerCase(), t);
  }

  tenant(tenantId: string): TenantRuntime | undefined {
    return this.byId.get(tenantId.toLowerCase());
  }

  private get first(): TenantRuntime {
    return this.deps.tenants[0] as TenantRuntime;
  }

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
        this.send(res, this.deps.counters, {
          status: 500,
          body: { error: { code: 'AF50000', message: `Simulator error: ${String(err)}` } },
        });
    });
  };

  /** The sink for a request about `tenant`: that tenant's book and the whole simulator's, or only the latter. */
  private sinkFor(tenant: string | undefined): { sink: CounterSink; runtime?: TenantRuntime } {
    const runtime = tenant === undefined ? undefined : this.tenant(tenant);
    return runtime
      ? { sink: fanOut(runtime.counters, this.deps.counters), runtime }
      : { sink: this.deps.counters };
  }

  private foreignHosts(): Set<string> {
    return new Set(this.deps.tenants.map((t) => t.faults().foreignHost.toLowerCase()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    const body = await readBody(req);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/_sim/'))
      return this.send(res, this.deps.counters, this.admin(method, path, url.searchParams, body));
    const host = (req.headers.host ?? new URL(this.apiUrl).host).toLowerCase();
    // The origin requests came in on: identity documents, contentUris and NextPageUris point back at it.
    const origin = `https://${host}`;

    const token = TOKEN_PATH.exec(path);
    const openid = OPENID_PATH.exec(path);
    const api = API_PATH.exec(path);
    const pathTenant = token?.[1] ?? openid?.[1] ?? api?.[1];
    const { sink, runtime } = this.sinkFor(pathTenant);
    const kind: HostRequestKind =
      token && method === 'POST'
        ? 'token'
        : api
          ? (() => {
              const k = this.classify(method, api[2] as string);
              return k === undefined || k === 'badMethod' ? 'other' : k;
            })()
          : 'other';
    sink.host(host, kind);

    const foreign = this.foreignHosts();
    if (foreign.has(host) || foreign.has(host.replace(/:\d+$/, ''))) {
      // A client followed a contentUri onto a host it should not trust.
      sink.fault('foreignHostRequests');
      if (req.headers.authorization) sink.authorizationToForeignHost();
      return this.send(res, sink, notFoundHtml());
    }

    if (token && method === 'POST') return this.token(res, sink, token[1] as string, Boolean(token[2]), body);
    if (openid && method === 'GET') {
      const tenant = openid[1] as string;
      if (!this.deps.authority.sameTenant(tenant)) {
        const failure = this.deps.authority.unknownTenant(tenant);
        return this.send(res, sink, {
          status: failure.status,
          body: aadErrorBody(failure, this.deps.clock.now()),
          code: failure.error,
        });
      }
      return this.send(res, sink, {
        status: 200,
        body: this.deps.authority.openIdConfiguration(origin, tenant, Boolean(openid[2])),
      });
    }
    if (path === '/common/discovery/instance' && method === 'GET') {
      return this.send(res, sink, {
        status: 200,
        body: {
          tenant_discovery_endpoint: `${origin}/${this.first.info.tenantId}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        },
      });
    }
    if (api)
      return this.api(
        req,
        res,
        sink,
        runtime,
        origin,
        method,
        api[1] as string,
        api[2] as string,
        url.searchParams,
        body,
      );
    return this.send(res, sink, {
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
    counters: CounterSink,
    runtime: TenantRuntime | undefined,
    origin: string,
    method: string,
    tenant: string,
    rest: string,
    params: URLSearchParams,
    body: string,
  ): Promise<void> {
    const kind = this.classify(method, rest);
    if (kind === undefined)
      return this.send(res, counters, {
        status: 404,
        body: { error: { code: 'NotFound', message: `Unknown API path ${rest}` } },
      });
    if (kind === 'badMethod')
      return this.send(res, counters, {
        status: 405,
        body: { error: { code: 'MethodNotAllowed', message: `${method} is not allowed on ${rest}` } },
      });
    const { authority } = this.deps;
    counters.request(kind);
    const query = new Map<string, string>();
    for (const [k, v] of params) query.set(k.toLowerCase(), v);
    if (!query.has('publisheridentifier')) counters.missingPublisher();
    // An unknown tenant fails authorisation below; until then the first tenant's request faults apply.
    const t = runtime ?? this.first;
    const faults = t.faults();

    const delay = t.dice.latency(faults);
    if (delay > 0) {
      counters.fault('latency');
      await this.sleep(delay);
    }
    const scripted = this.takeScript(kind, tenant, counters);
    if (scripted) return this.send(res, counters, scripted);

    const claims = authority.verify(req.headers.authorization, Date.now());
    if (!claims)
      return this.send(
        res,
        counters,
        apiError(401, 'Unauthorized', 'Authorization has been denied for this request.'),
      );
    if (!GUID.test(tenant))
      return this.send(
        res,
        counters,
        apiError(400, 'AF20013', `The tenant ID passed in the URL (${tenant}) is not a valid GUID.`),
      );
    if (claims.tid.toLowerCase() !== tenant.toLowerCase() || !runtime) {
      return this.send(
        res,
        counters,
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
        counters,
        apiError(
          403,
          'AF10001',
          'The permission set (ActivityFeed.Read) sent in the request does not include the expected permission.',
        ),
      );

    const throttleStatus = kind === 'content' && faults.blobThrottleAs403 ? 403 : 429;
    const method403 = kind === 'content' ? 'GetBlob' : kind === 'list' ? 'ListContent' : 'Subscriptions';
    const publisher = query.get('publisheridentifier');
    const throttled = (retryAfter?: number): SimResponse => ({
      ...apiError(
        throttleStatus,
        'AF429',
        `Too many requests. Method=${method403}, PublisherId=${publisher ?? '00000000-0000-0000-0000-000000000000'}`,
      ),
      headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    });
    const realNow = Date.now();
    if (
      !runtime.budget.admit(realNow, faults.requestBudgetPerMinute, publisher?.toLowerCase() ?? NO_PUBLISHER)
    ) {
      counters.fault('overBudget');
      return this.send(
        res,
        counters,
        throttled(Math.max(1, Math.ceil((60_000 - (realNow % 60_000)) / 1000))),
      );
    }
    const fault = runtime.dice.roll(faults);
    if (fault.kind === 'timeout') {
      counters.fault('timeout');
      const timer = setTimeout(() => {
        this.hanging.delete(timer);
        res.socket?.destroy();
      }, faults.timeoutMs);
      this.hanging.add(timer);
      return;
    }
    if (fault.kind === 'throttle') {
      counters.fault('throttle');
      return this.send(res, counters, throttled(fault.retryAfter));
    }
    if (fault.kind === 'serverError') {
      counters.fault('serverError');
      return this.send(
        res,
        counters,
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
      source: runtime.source,
      subscriptions: runtime.subscriptions,
      apiUrl: origin,
      foreignHost: faults.foreignHost,
      oversize: { bytes: faults.oversizeBlobBytes, contentLength: faults.oversizeContentLength },
      tenantId: tenant,
      seed: runtime.info.seed,
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
    return this.send(res, counters, response);
  }

  private token(res: ServerResponse, counters: CounterSink, tenant: string, v2: boolean, body: string): void {
    counters.request('token');
    const scripted = this.takeScript('token', tenant, counters);
    if (scripted) return this.send(res, counters, scripted);
    const outcome = this.deps.authority.issue(tenant, new URLSearchParams(body), v2, Date.now());
    if (outcome.ok) return this.send(res, counters, { status: 200, body: outcome.body });
    const f = outcome.failure;
    return this.send(res, counters, {
      status: f.status,
      body: aadErrorBody(f, this.deps.clock.now()),
      code: f.error,
    });
  }

  private takeScript(kind: RequestKind, tenant: string, counters: CounterSink): SimResponse | undefined {
    const slot = this.scripts.find(
      (s) =>
        s.rule.match === kind &&
        s.remaining > 0 &&
        (s.rule.tenantId === undefined || s.rule.tenantId.toLowerCase() === tenant.toLowerCase()),
    );
    if (!slot) return undefined;
    slot.remaining--;
    if (slot.remaining <= 0) this.scripts.splice(this.scripts.indexOf(slot), 1);
    counters.fault('scripted');
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
    const tenantParam = params.get('tenant') ?? undefined;
    const named = tenantParam === undefined ? undefined : this.tenant(tenantParam);
    if (tenantParam !== undefined && !named) {
      return {
        status: 404,
        body: {
          error: {
            code: 'UnknownTenant',
            message: `no tenant ${tenantParam}; GET /_sim/tenants lists the tenants this simulator serves`,
          },
        },
      };
    }
    const one = named ?? this.first;
    if (path === '/_sim/tenants' && method === 'GET')
      return { status: 200, body: this.deps.tenants.map((t) => t.info) };
    if (path === '/_sim/counters' && method === 'GET')
      return { status: 200, body: named ? named.counterSnapshot() : this.deps.counterSnapshot() };
    if (path === '/_sim/faults' && method === 'GET') return { status: 200, body: one.faults() };
    if (path === '/_sim/faults' && method === 'POST') {
      try {
        const patch = JSON.parse(body || '{}') as Partial<FaultConfig>;
        const targets = named ? [named] : this.deps.tenants;
        for (const t of targets) mergeFaults(t.faults(), patch);
        for (const t of targets) t.setFaults(patch);
        return { status: 200, body: one.faults() };
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
    if ((path === '/_sim/ground-truth' || path === '/_sim/blobs') && method === 'GET') {
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
      if (path === '/_sim/blobs') return { status: 200, body: one.blobs(from, to) };
      try {
        return { status: 200, body: one.groundTruth(from, to, truthOptions(params)) };
      } catch (err) {
        return { status: 400, body: { error: { code: 'BadOptions', message: (err as Error).message } } };
      }
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

  private send(res: ServerResponse, counters: CounterSink, r: SimResponse): void {
    if (res.headersSent || res.destroyed) return;
    const isApiError = r.status >= 400;
    counters.answer(r.status, isApiError ? r.code : undefined);
    for (const f of r.faults ?? []) counters.fault(f);
    // The service's clock, not ours: clients compensate skew for AF20030/AF20055 from this header.
    res.setHeader('Date', new Date(this.deps.clock.now()).toUTCString());
    if (r.stream) {
      void this.stream(res, r.status, r.stream);
      return;
    }
    let payload: string | undefined;
    if (r.rawBody !== undefined) payload = r.rawBody;
    else if (r.body !== undefined) payload = JSON.stringify(r.body);
    if (payload !== undefined) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    res.statusCode = r.status;
    res.end(payload);
  }

  /** Writes a streamed body chunk by chunk, waiting for the client to drain; stops when the client goes away. */
  private async stream(res: ServerResponse, status: number, s: StreamedBody): Promise<void> {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const head = Buffer.from(s.head);
    const tail = Buffer.from(s.tail);
    if (s.contentLength) res.setHeader('Content-Length', String(head.length + s.padBytes + tail.length));
    const write = async (chunk: Buffer): Promise<boolean> => {
      if (res.destroyed) return false;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      return !res.destroyed;
    };
    if (!(await write(head))) return;
    let left = s.padBytes;
    while (left > 0) {
      const n = Math.min(left, PAD_CHUNK.length);
      if (!(await write(n === PAD_CHUNK.length ? PAD_CHUNK : PAD_CHUNK.subarray(0, n)))) return;
      left -= n;
    }
    if (!res.destroyed) res.end(tail);
  }
}

/** Ground-truth options from the admin route's query (`exclude`, `recovering`, `windowMinutes`, `windowOrigin`). */
function truthOptions(params: URLSearchParams): Omit<GroundTruthOptions, 'tenantId'> {
  const options: Omit<GroundTruthOptions, 'tenantId'> = {};
  const exclude = params.get('exclude');
  if (exclude) options.excludeContentIds = exclude.split(',').filter((id) => id !== '');
  const recovering = params.get('recovering');
  if (recovering !== null) {
    if (recovering !== 'recovered' && recovering !== 'lost')
      throw new Error(`recovering must be 'recovered' or 'lost', got '${recovering}'`);
    options.recovering = recovering;
  }
  const minutes = params.get('windowMinutes');
  if (minutes !== null) options.windowMinutes = Number(minutes);
  const origin = params.get('windowOrigin');
  if (origin !== null) {
    const ms = Date.parse(origin);
    if (!Number.isFinite(ms)) throw new Error(`windowOrigin must be an ISO time, got '${origin}'`);
    options.windowOriginMs = ms;
  }
  return options;
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
