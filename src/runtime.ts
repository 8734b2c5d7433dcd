/**
 * The process-wide services the activities and HTTP functions share, built lazily from the validated settings.
 * Lazy because the Functions host loads the entry module before any invocation, and a cold start that only serves
 * the status route should not pay for an O365 token; shared because each client holds a token cache, a request
 * budget or SDK connections that must not be multiplied per invocation.
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { loadRuleSet, type RuleSet } from './alerts';
import { ArchiveStore } from './archive';
import { loadConfig, type Config, type TenantConfig } from './config';
import { KustoSink } from './kusto';
import { sharedManagementApiClient, type ManagementApiClient } from './o365';
import { PipelineState } from './pipeline/state';
import { ledgerScopeFor, resolveTenant } from './pipeline/tenants';

let config: Config | undefined;
let rules: RuleSet | undefined;
let sink: KustoSink | undefined;
let archive: Promise<ArchiveStore> | undefined;

/**
 * Forgets the services built so far, so the next call reads settings again. The entry module calls it when it is
 * (re)loaded: a local host that restarts the app in one process must not keep the previous run's settings.
 */
export function resetRuntime(): void {
  config = undefined;
  rules = undefined;
  void sink?.close().catch(() => undefined);
  sink = undefined;
  archive = undefined;
}

/** Settings, validated once (src/index.ts calls this at start-up so a bad setting stops the app there). */
export function getConfig(): Config {
  config ??= loadConfig(process.env);
  return config;
}

export function getRules(): RuleSet {
  rules ??= loadRuleSet(getConfig().alertRules);
  return rules;
}

/** A configured tenant; absent = the first one (what loops and activities of single-tenant histories mean). */
export function getTenant(tenantId?: string): TenantConfig {
  return resolveTenant(getConfig().tenants, tenantId);
}

/** The tenant's O365 client: its own token cache and request budget, shared by every invocation in this process. */
export function getO365Client(tenantId?: string): Promise<ManagementApiClient> {
  return sharedManagementApiClient(getTenant(tenantId));
}

export function getKustoSink(): KustoSink {
  sink ??= new KustoSink(getConfig().kusto);
  return sink;
}

/** The archive container, created on first use (idempotent). A failed creation is retried by the next caller. */
export function getArchive(): Promise<ArchiveStore> {
  if (!archive) {
    const storage = getConfig().storage;
    const clientId = process.env.AZURE_CLIENT_ID;
    const credential = storage.connectionString
      ? undefined
      : clientId
        ? new ManagedIdentityCredential({ clientId })
        : new DefaultAzureCredential();
    const store = ArchiveStore.fromConfig(storage, credential);
    archive = store.ensureContainer().then(() => store);
    archive.catch(() => (archive = undefined));
  }
  return archive;
}

/** The pipeline's stored documents, over the archive container. */
export async function getState(tenantId?: string): Promise<PipelineState> {
  const tenant = getTenant(tenantId);
  return new PipelineState(await getArchive(), ledgerScopeFor(getConfig().tenants, tenant.tenantId));
}

let clock: () => number = Date.now;

/**
 * Wall time for HTTP validation (rewind ranges, start times). Orchestrators never use it. A local host running a
 * virtual clock sets it so the routes and the orchestrations agree on "now".
 */
export function now(): number {
  return clock();
}

export function setNowSource(source: () => number): void {
  clock = source;
}
