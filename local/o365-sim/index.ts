/**
 * The Office 365 Management Activity API simulator: `startO365Sim()` serves a generated (or replayed) tenant over
 * HTTPS on 127.0.0.1 with the identity endpoints @azure/identity needs, fault injection and a ground truth.
 * See the README section "O365 simulator".
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Clock, SystemClock } from '../clock';
import { ensureLocalCertificate } from '../tls';
import { TokenAuthority } from './auth';
import { CounterBook, mergeBudgets } from './counters';
import { DEFAULT_FAULTS, FaultDice, mergeFaults, RequestBudget } from './faults';
import { computeGroundTruth } from './ground-truth';
import { tenantIdentity } from './records';
import { ReplayTenant } from './replay';
import { SimServer, type TenantRuntime } from './server';
import { defaultTenantProfile, GeneratedTenant, validateTenantProfile } from './tenant';
import type {
  FaultConfig,
  RunningSim,
  SimBlobInfo,
  SimCounters,
  SimOptions,
  SimTenantInfo,
  SimTenantOptions,
  TenantProfile,
} from './types';

export * from './types';
export { USER_REPORTED_ALERT_NAME, PROCESSED_STATUSES, TERMINAL_STATUSES } from './records';
export { DEFAULT_FAULTS } from './faults';
export { defaultTenantProfile, HOSTILE_ALERT_ID } from './tenant';
export { BAD_CONTENT_CREATED } from './api';

/** Documented demo credentials, used when neither options nor O365_* settings give any (local use only). */
export const DEMO_CREDENTIALS = {
  tenantId: '0a365e1a-0000-4000-8000-00000000de00',
  clientId: '0a365e1a-c11e-4000-8000-000000000001',
  clientSecret: 'local-o365-sim-demo-secret',
} as const;

export const DEFAULT_PORT = 8443;

/**
 * The tenants named by an O365_TENANT_ID setting that lists several (comma-separated), or undefined for one tenant:
 * the stack then serves each of them, as one multi-tenant app consented in every tenant.
 */
export function tenantsFromSetting(value: string | undefined): SimTenantOptions[] | undefined {
  const ids = (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return ids.length > 1 ? ids.map((tenantId) => ({ tenantId })) : undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TenantPlan {
  info: SimTenantInfo;
  clientId: string;
  clientSecret: string;
  profile: TenantProfile;
  faults: FaultConfig;
  replayDir?: string;
}

/** The tenants to serve: the `tenants` list, or the single tenant of the top-level options. Refuses bad input. */
function planTenants(
  options: SimOptions,
  shared: { tenantId: string; clientId: string; clientSecret: string; seed: number },
  nowMs: number,
): TenantPlan[] {
  const baseProfile: TenantProfile = { ...defaultTenantProfile(nowMs), ...(options.tenant ?? {}) };
  const baseFaults = mergeFaults(DEFAULT_FAULTS, options.faults ?? {});
  if (options.tenants === undefined) {
    validateTenantProfile(baseProfile);
    return [
      {
        info: { tenantId: shared.tenantId, name: 'tenant-1', seed: shared.seed },
        clientId: shared.clientId,
        clientSecret: shared.clientSecret,
        profile: baseProfile,
        faults: baseFaults,
        replayDir: options.replayDir,
      },
    ];
  }
  if (!Array.isArray(options.tenants) || options.tenants.length === 0)
    throw new Error('O365 simulator: tenants must be a non-empty list of { tenantId, ... }');
  if (options.tenantId !== undefined || options.replayDir !== undefined)
    throw new Error('O365 simulator: give tenantId and replayDir inside each of `tenants`, not beside it');
  const seen = new Set<string>();
  return options.tenants.map((t, index) => {
    const where = `tenants[${index}]`;
    if (typeof t?.tenantId !== 'string' || !GUID.test(t.tenantId))
      throw new Error(`O365 simulator: ${where}.tenantId must be a GUID, got ${JSON.stringify(t?.tenantId)}`);
    if (seen.has(t.tenantId.toLowerCase()))
      throw new Error(`O365 simulator: tenant ${t.tenantId} is listed twice`);
    seen.add(t.tenantId.toLowerCase());
    const seed = t.seed ?? shared.seed + index;
    if (!Number.isInteger(seed)) throw new Error(`O365 simulator: ${where}.seed must be an integer`);
    const profile: TenantProfile = { ...baseProfile, ...(t.profile ?? {}) };
    try {
      validateTenantProfile(profile);
      return {
        info: { tenantId: t.tenantId, name: t.name ?? `tenant-${index + 1}`, seed },
        clientId: t.clientId ?? shared.clientId,
        clientSecret: t.clientSecret ?? shared.clientSecret,
        profile,
        faults: mergeFaults(baseFaults, t.faults ?? {}),
        replayDir: t.replayDir,
      };
    } catch (err) {
      throw new Error(`${where} (${t.tenantId}): ${(err as Error).message}`);
    }
  });
}

function buildTenant(plan: TenantPlan, clock: Clock, tenantCount: number, epochHour: number): TenantRuntime {
  let faults = plan.faults;
  const info = plan.info;
  const generated = plan.replayDir
    ? undefined
    : new GeneratedTenant(
        tenantIdentity(info.seed, info.tenantId, epochHour),
        plan.profile,
        faults,
        Math.floor(400_000 / tenantCount),
      );
  const source = generated ?? new ReplayTenant(plan.replayDir as string, clock.now());
  const counters = new CounterBook();
  const budget = new RequestBudget();
  return {
    info,
    source,
    subscriptions: new Map(),
    counters,
    budget,
    dice: new FaultDice(info.seed),
    faults: () => faults,
    setFaults: (patch) => {
      faults = mergeFaults(faults, patch);
      generated?.setFaults(faults);
    },
    counterSnapshot: () => counters.snapshot(budget.snapshot(), faults.requestBudgetPerMinute),
    groundTruth: (fromMs, toMs, options) =>
      computeGroundTruth(source, fromMs, toMs, clock.now(), info.tenantId, options),
    blobs: (fromMs, toMs) =>
      source
        .blobsCreatedIn(fromMs, toMs)
        .sort((a, b) => a.contentCreated - b.contentCreated || (a.contentId < b.contentId ? -1 : 1))
        .map((ref) => {
          const blob: SimBlobInfo = {
            contentId: ref.contentId,
            contentType: ref.contentType,
            contentCreated: new Date(ref.contentCreated).toISOString(),
          };
          if (ref.poison) blob.poison = ref.poison;
          return blob;
        }),
  };
}

export async function startO365Sim(options: SimOptions = {}): Promise<RunningSim> {
  const env = process.env;
  const clock: Clock = options.clock ?? new SystemClock();
  const seed = options.seed ?? 1;
  const clientId = options.clientId ?? env.O365_CLIENT_ID ?? DEMO_CREDENTIALS.clientId;
  const clientSecret = options.clientSecret ?? env.O365_CLIENT_SECRET ?? DEMO_CREDENTIALS.clientSecret;
  const firstTenantId =
    options.tenants?.[0]?.tenantId ?? options.tenantId ?? env.O365_TENANT_ID ?? DEMO_CREDENTIALS.tenantId;
  const port = options.port ?? (env.LOCAL_O365_PORT ? Number(env.LOCAL_O365_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`O365 simulator: invalid port ${String(port)}`);
  const pageSize = options.pageSize ?? 200;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`O365 simulator: pageSize must be a positive integer, got ${pageSize}`);
  const plans = planTenants(options, { tenantId: firstTenantId, clientId, clientSecret, seed }, clock.now());
  const cert = options.cert ?? ensureLocalCertificate();

  const epochMs = options.epochMs ?? 0;
  if (!Number.isFinite(epochMs))
    throw new Error(`O365 simulator: epochMs must be a time in ms, got ${epochMs}`);
  const tenants = plans.map((p) => buildTenant(p, clock, plans.length, Math.floor(epochMs / 3_600_000)));
  const global = new CounterBook();
  const counterSnapshot = (): SimCounters => {
    const budget = mergeBudgets(
      tenants.map((t) => ({ tenantId: t.info.tenantId, budget: t.budget.snapshot() })),
    );
    const snapshot = global.snapshot(budget, tenants[0]?.faults().requestBudgetPerMinute ?? 0);
    snapshot.byTenant = Object.fromEntries(tenants.map((t) => [t.info.tenantId, t.counterSnapshot()]));
    return snapshot;
  };
  const sim = new SimServer({
    clock,
    authority: new TokenAuthority(
      plans.map((p) => ({ tenantId: p.info.tenantId, clientId: p.clientId, clientSecret: p.clientSecret })),
    ),
    tenants,
    counters: global,
    pageSize,
    counterSnapshot,
  });
  const runtimeOf = (tenantId: string): TenantRuntime => {
    const t = sim.tenant(tenantId);
    if (!t)
      throw new Error(
        `O365 simulator serves no tenant ${tenantId} (it serves ${tenants.map((x) => x.info.tenantId).join(', ')})`,
      );
    return t;
  };
  const first = tenants[0] as TenantRuntime;
  const server = createServer({ cert: cert.cert, key: cert.key }, sim.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.apiUrl = url;

  let closed: Promise<void> | undefined;
  return {
    apiUrl: url,
    loginUrl: url,
    tenantId: first.info.tenantId,
    clientId,
    clientSecret: plans[0]?.clientSecret ?? clientSecret,
    tenants: tenants.map((t) => ({ ...t.info })),
    tenant: (tenantId) => {
      const t = runtimeOf(tenantId);
      return {
        ...t.info,
        counters: () => t.counterSnapshot(),
        faults: () => t.faults(),
        setFaults: (patch) => t.setFaults(patch),
        groundTruth: (fromMs, toMs, options) => t.groundTruth(fromMs, toMs, options),
        blobs: (fromMs, toMs) => t.blobs(fromMs, toMs),
      };
    },
    counters: counterSnapshot,
    groundTruth: (fromMs, toMs, options = {}) => {
      const { tenantId, ...rest } = options;
      return (tenantId === undefined ? first : runtimeOf(tenantId)).groundTruth(fromMs, toMs, rest);
    },
    setFaults: (patch, tenantId) => {
      const targets = tenantId === undefined ? tenants : [runtimeOf(tenantId)];
      // Validate against every target first, so a bad patch changes nothing.
      for (const t of targets) mergeFaults(t.faults(), patch);
      for (const t of targets) t.setFaults(patch);
    },
    blobs: (fromMs, toMs, tenantId) =>
      (tenantId === undefined ? first : runtimeOf(tenantId)).blobs(fromMs, toMs),
    script: (rules) => sim.script(rules),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
