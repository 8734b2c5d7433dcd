/**
 * Follows the tenant list after a restart: once an operator has started the pipeline, every enabled tenant of
 * O365_TENANT_ID gets a running loop (a tenant added to the setting starts without another call), and the loop of a
 * tenant removed from the setting or disabled is stopped — its state stays, so adding it back resumes where it was.
 * A tenant an operator stopped on its own stays stopped. Runs every five minutes (not at start-up: on Azure every
 * scaled-out instance would run it).
 */
import type { InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { PIPELINE_INSTANCE_ID } from '../pipeline/model';
import { loopIdFor } from '../pipeline/tenants';
import { getConfig, getState, now } from '../runtime';
import { startLoop, stopLoop } from './loops';

export const RECONCILE_SCHEDULE = '0 */5 * * * *';

export async function reconcileTenants(_timer: Timer, context: InvocationContext): Promise<void> {
  const config = getConfig();
  const shared = await getState();
  const registry = await shared.readLoopRegistry();
  if (!registry.started) return;
  const client = df.getClient(context);
  const stopped = new Set((registry.stopped ?? []).map((id) => id.toLowerCase()));
  const started: string[] = [];
  for (const tenant of config.tenants.filter((t) => t.enabled && !stopped.has(t.tenantId.toLowerCase()))) {
    const result = await startLoop(client, await getState(tenant.tenantId), config, tenant);
    if (result.started) started.push(tenant.tenantId);
  }
  const configured = new Set(config.tenants.filter((t) => t.enabled).map((t) => t.tenantId.toLowerCase()));
  const removed = registry.tenants.filter((id) => !configured.has(id.toLowerCase()));
  for (const tenantId of removed) {
    // A removed tenant cannot be resolved through the settings any more: its loop id follows the same rule.
    const loopId = loopIdFor(config.tenants, tenantId);
    if (loopId === PIPELINE_INSTANCE_ID) continue;
    await stopLoop(client, shared, loopId, now());
  }
  await shared.writeLoopRegistry({
    ...registry,
    tenants: [...new Set([...registry.tenants.filter((id) => configured.has(id.toLowerCase())), ...started])],
  });
  if (started.length || removed.length) {
    context.log(
      JSON.stringify({
        event: 'tenantsReconciled',
        started,
        stopped: removed.map((id) => loopIdFor(config.tenants, id)),
      }),
    );
  }
}
