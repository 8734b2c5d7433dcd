/**
 * Which loop serves which tenant. Pure: the HTTP routes, the reconcile timer and the activities derive the same names.
 *
 * The first tenant of O365_TENANT_ID keeps the single-tenant names (loop `o365-pipeline`, the ledger under
 * state/ledger/), so a deployment that served one tenant upgrades without moving its state; every other tenant gets
 * `o365-pipeline-<tenantId>` and its own ledger under state/tenants/<tenantId>/. A checkpoint records its tenant, and
 * a start that finds another tenant's checkpoint under a name refuses (reordering O365_TENANT_ID is a mistake that
 * must not mix two tenants' positions).
 */
import { PIPELINE_INSTANCE_ID } from './model';

export interface TenantRef {
  tenantId: string;
  name: string;
}

function normal(tenantId: string): string {
  return tenantId.trim().toLowerCase();
}

/** The tenant a loop or activity means: `tenantId` when given (and configured), else the first tenant. */
export function resolveTenant<T extends TenantRef>(tenants: readonly T[], tenantId?: string): T {
  if (tenants.length === 0) throw new Error('no tenant is configured (O365_TENANT_ID)');
  if (tenantId === undefined) return tenants[0];
  const found = tenants.find((t) => normal(t.tenantId) === normal(tenantId));
  if (!found) {
    throw new Error(
      `tenant ${tenantId} is not configured; O365_TENANT_ID lists ${tenants.map((t) => t.tenantId).join(', ')}`,
    );
  }
  return found;
}

/** Whether `tenantId` is the first configured tenant (the one with the single-tenant names). */
export function isFirstTenant(tenants: readonly TenantRef[], tenantId: string): boolean {
  return tenants.length > 0 && normal(tenants[0].tenantId) === normal(tenantId);
}

/** The live loop's instance id for a tenant. */
export function loopIdFor(tenants: readonly TenantRef[], tenantId: string): string {
  return isFirstTenant(tenants, tenantId)
    ? PIPELINE_INSTANCE_ID
    : `${PIPELINE_INSTANCE_ID}-${normal(tenantId)}`;
}

/** The prefix scope of a tenant's ledger ('' = the single-tenant layout). */
export function ledgerScopeFor(tenants: readonly TenantRef[], tenantId: string): string {
  return isFirstTenant(tenants, tenantId) ? '' : normal(tenantId);
}
