/**
 * The Office 365 Management Activity API simulator: `startO365Sim()` serves a generated (or replayed) tenant over
 * HTTPS on 127.0.0.1 with the identity endpoints @azure/identity needs, fault injection and a ground truth.
 * See the README section "O365 simulator".
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Clock, SystemClock } from '../clock';
import { ensureLocalCertificate } from '../tls';
import type { SubscriptionState } from './api';
import { TokenAuthority } from './auth';
import { CounterBook } from './counters';
import { DEFAULT_FAULTS, FaultDice, mergeFaults, RequestBudget } from './faults';
import { computeGroundTruth } from './ground-truth';
import { tenantIdentity } from './records';
import { ReplayTenant } from './replay';
import { SimServer } from './server';
import { defaultTenantProfile, GeneratedTenant, validateTenantProfile } from './tenant';
import type { FaultConfig, RunningSim, SimOptions, TenantProfile } from './types';

export * from './types';
export { USER_REPORTED_ALERT_NAME, PROCESSED_STATUSES } from './records';
export { DEFAULT_FAULTS } from './faults';
export { defaultTenantProfile } from './tenant';

/** Documented demo credentials, used when neither options nor O365_* settings give any (local use only). */
export const DEMO_CREDENTIALS = {
  tenantId: '0a365e1a-0000-4000-8000-00000000de00',
  clientId: '0a365e1a-c11e-4000-8000-000000000001',
  clientSecret: 'local-o365-sim-demo-secret',
} as const;

export const DEFAULT_PORT = 8443;

export async function startO365Sim(options: SimOptions = {}): Promise<RunningSim> {
  const env = process.env;
  const clock: Clock = options.clock ?? new SystemClock();
  const seed = options.seed ?? 1;
  const tenantId = options.tenantId ?? env.O365_TENANT_ID ?? DEMO_CREDENTIALS.tenantId;
  const clientId = options.clientId ?? env.O365_CLIENT_ID ?? DEMO_CREDENTIALS.clientId;
  const clientSecret = options.clientSecret ?? env.O365_CLIENT_SECRET ?? DEMO_CREDENTIALS.clientSecret;
  const port = options.port ?? (env.LOCAL_O365_PORT ? Number(env.LOCAL_O365_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`O365 simulator: invalid port ${String(port)}`);
  const cert = options.cert ?? ensureLocalCertificate();
  const pageSize = options.pageSize ?? 200;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`O365 simulator: pageSize must be a positive integer, got ${pageSize}`);

  const profile: TenantProfile = { ...defaultTenantProfile(clock.now()), ...(options.tenant ?? {}) };
  validateTenantProfile(profile);
  let faults: FaultConfig = mergeFaults(DEFAULT_FAULTS, options.faults ?? {});
  const identity = tenantIdentity(seed, tenantId);
  const generated = options.replayDir ? undefined : new GeneratedTenant(identity, profile, faults);
  const source = generated ?? new ReplayTenant(options.replayDir as string, clock.now());
  const counters = new CounterBook();
  const budget = new RequestBudget();
  const subscriptions: SubscriptionState = new Map();
  const setFaults = (patch: Partial<FaultConfig>): void => {
    faults = mergeFaults(faults, patch);
    generated?.setFaults(faults);
  };
  const counterSnapshot = () => counters.snapshot(budget, faults.requestBudgetPerMinute);
  const groundTruth = (fromMs: number, toMs: number) => computeGroundTruth(source, fromMs, toMs, clock.now());

  const sim = new SimServer({
    clock,
    seed,
    tenantId,
    authority: new TokenAuthority({ tenantId, clientId, clientSecret }),
    source,
    subscriptions,
    counters,
    budget,
    dice: new FaultDice(seed),
    pageSize,
    faults: () => faults,
    setFaults,
    counterSnapshot,
    groundTruth,
  });
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
    tenantId,
    clientId,
    clientSecret,
    counters: counterSnapshot,
    groundTruth,
    setFaults,
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
