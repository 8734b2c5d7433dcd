/**
 * The public HTTP surface: the app's HTTP triggers under /<routePrefix>/, the Durable webhooks under
 * /runtime/webhooks/durabletask/, and /admin/* (host status; the clock when it is virtual). Function keys are
 * enforced on every authLevel other than anonymous, on the webhooks and on /admin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../clock';
import type { RpcTypedData } from './core-shim';
import type { ApiResponse, DurableApiHandler } from './durable-api';
import { invoke, timeoutMessage, withTimeout, type HostLog } from './invocation';
import { keyMatches, presentedKey } from './keys';
import type { FunctionRegistry, RegisteredFunction } from './registry';
import { compileRoute, type CompiledRoute } from './routes';

export interface PublicServerOptions {
  registry: FunctionRegistry;
  durableApi: DurableApiHandler;
  functionKey: string;
  routePrefix: string;
  clock: Clock;
  log: HostLog;
  extraInputsFor(fn: RegisteredFunction): Record<string, RpcTypedData>;
  /** Lets callers see the host's own origin (for URLs in responses). */
  baseUrl(): string;
  /** host.json functionTimeout: an HTTP function running longer answers 500. */
  functionTimeoutMs?: number;
  /** Called after the clock was moved through /admin/clock. */
  onClockMoved?(): void;
}

interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: Set<string>;
  authLevel: string;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendApiResponse(res: ServerResponse, r: ApiResponse): void {
  const headers = { ...(r.headers ?? {}) };
  let body = '';
  if (typeof r.body === 'string' && headers['Content-Type']?.startsWith('text/')) body = r.body;
  else if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    headers['Content-Type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

interface RpcCookie {
  name: string;
  value: string;
  domain?: { value: string };
  path?: { value: string };
  expires?: { value: { seconds: number } };
  secure?: { value: boolean };
  httpOnly?: { value: boolean };
  sameSite?: string;
  maxAge?: { value: number };
}

/** A Set-Cookie header from the worker's cookie shape. */
function setCookie(c: RpcCookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain.value}`);
  if (c.path) parts.push(`Path=${c.path.value}`);
  if (c.expires) parts.push(`Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`);
  if (c.maxAge) parts.push(`Max-Age=${c.maxAge.value}`);
  if (c.secure?.value) parts.push('Secure');
  if (c.httpOnly?.value) parts.push('HttpOnly');
  if (c.sameSite === 'lax') parts.push('SameSite=Lax');
  else if (c.sameSite === 'strict') parts.push('SameSite=Strict');
  else if (c.sameSite === 'explicitNone') parts.push('SameSite=None');
  return parts.join('; ');
}

export function createPublicServer(opts: PublicServerOptions): Server {
  const routes: HttpRoute[] = opts.registry.ofKind('http').map((fn) => ({
    fn,
    route: compileRoute(typeof fn.trigger.route === 'string' ? fn.trigger.route : fn.name),
    methods: new Set(
      ((fn.trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
    ),
    authLevel: String(fn.trigger.authLevel ?? 'anonymous').toLowerCase(),
  }));
  const prefix = opts.routePrefix ? `/${opts.routePrefix}` : '';
  const authorized = (url: URL, req: IncomingMessage): boolean =>
    keyMatches(opts.functionKey, presentedKey(url, req.headers));

  async function handleApp(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { r: HttpRoute; params: Record<string, string> } | undefined;
    for (const r of routes) {
      const params = r.route.match(path);
      if (params && r.methods.has(method)) {
        matched = { r, params };
        break;
      }
    }
    if (!matched) {
      res.writeHead(404).end();
      return;
    }
    const { r, params } = matched;
    if (r.authLevel !== 'anonymous' && !authorized(url, req)) {
      sendMissingKey(res);
      return;
    }
    const body = await readBody(req);
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const trigger: RpcTypedData = {
      http: {
        method,
        url: url.toString(),
        headers: headerRecord(req),
        query,
        params,
        body: body.length ? { bytes: body } : undefined,
      },
    };
    let http: RpcTypedData['http'] | undefined;
    try {
      const result = await withTimeout(
        invoke(r.fn, trigger, opts.extraInputsFor(r.fn), opts.log),
        opts.functionTimeoutMs,
        timeoutMessage(opts.functionTimeoutMs, r.fn.name),
      );
      http = result.returnValue?.http;
      if (!http) {
        for (const [name, binding] of Object.entries(r.fn.metadata.bindings)) {
          if (binding.direction === 'out' && binding.type === 'http')
            http = result.outputs.get(name)?.http ?? http;
        }
      }
    } catch (err) {
      opts.log(
        `[${r.fn.name}] HTTP function failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      res.writeHead(500).end();
      return;
    }
    if (!http) {
      res.writeHead(204).end();
      return;
    }
    const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
    const cookies = (http.cookies ?? []) as RpcCookie[];
    if (cookies.length) headers['Set-Cookie'] = cookies.map(setCookie);
    const b = http.body;
    const payload = b?.bytes
      ? Buffer.from(b.bytes)
      : b?.string !== undefined
        ? Buffer.from(b.string)
        : Buffer.alloc(0);
    res.writeHead(Number(http.statusCode ?? 200), headers);
    res.end(payload);
  }

  async function handleAdminClock(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clock = opts.clock as Clock & { advance?: (ms: number) => void; advanceTo?: (ms: number) => void };
    if (!clock.isVirtual || !clock.advance || !clock.advanceTo) {
      sendApiResponse(res, { status: 404, body: { message: 'The clock is not virtual.' } });
      return;
    }
    if (req.method === 'POST') {
      let body: { advanceMs?: number; to?: string };
      try {
        body = JSON.parse((await readBody(req)).toString() || '{}') as typeof body;
      } catch {
        sendApiResponse(res, {
          status: 400,
          body: { message: 'Body must be JSON: {"advanceMs":n} or {"to":"ISO"}.' },
        });
        return;
      }
      if (typeof body.advanceMs === 'number' && body.advanceMs >= 0) clock.advance(body.advanceMs);
      else if (typeof body.to === 'string' && !Number.isNaN(Date.parse(body.to)))
        clock.advanceTo(Date.parse(body.to));
      else {
        sendApiResponse(res, {
          status: 400,
          body: { message: 'Give {"advanceMs": n >= 0} or {"to": "<ISO time>"}.' },
        });
        return;
      }
      opts.onClockMoved?.();
    } else if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    sendApiResponse(res, {
      status: 200,
      body: { now: new Date(clock.now()).toISOString(), nowMs: clock.now() },
    });
  }

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', opts.baseUrl());
    const path = url.pathname;
    const done = (p: Promise<void>): void => {
      p.catch((err: unknown) => {
        opts.log(
          `http: ${req.method} ${path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    if (path.startsWith('/runtime/webhooks/durabletask/') || path === '/runtime/webhooks/durabletask') {
      if (!authorized(url, req)) {
        sendMissingKey(res);
        return;
      }
      done(
        readBody(req).then((body) => {
          const segments = path
            .slice('/runtime/webhooks/durabletask'.length)
            .split('/')
            .filter(Boolean)
            .map(decodeURIComponent);
          sendApiResponse(
            res,
            opts.durableApi({
              method: (req.method ?? 'GET').toUpperCase(),
              segments,
              query: url.searchParams,
              body: body.toString(),
              headers: req.headers,
            }),
          );
        }),
      );
      return;
    }
    if (path.startsWith('/admin/')) {
      if (!authorized(url, req)) {
        sendMissingKey(res);
        return;
      }
      if (path === '/admin/clock') return done(handleAdminClock(req, res));
      if (path === '/admin/host/status') {
        sendApiResponse(res, {
          status: 200,
          body: { state: 'Running', functions: opts.registry.all().map((f) => f.name) },
        });
        return;
      }
      res.writeHead(404).end();
      return;
    }
    if (prefix && !(path === prefix || path.startsWith(prefix + '/'))) {
      res.writeHead(404).end();
      return;
    }
    done(handleApp(req, res, url, path.slice(prefix.length)));
  });
}

/**
 * Azure answers a missing or wrong function key with an empty 401; locally we say what to fix (docs/resilience.md), since a
 * newcomer's first request usually lacks the key printed at start.
 */
function sendMissingKey(res: ServerResponse): void {
  const message =
    'Missing or wrong function key: pass ?code=<key> or the x-functions-key header (the key is printed at start).';
  res
    .writeHead(401, { 'content-type': 'application/json' })
    .end(JSON.stringify({ error: { code: 'Unauthorized', message } }));
}
