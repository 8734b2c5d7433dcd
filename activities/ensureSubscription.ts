/** Makes sure the content type's subscription is started (idempotent; at most one start per 15 minutes). */
import type { ManagementApiClient } from '../src/o365';

export interface EnsureSubscriptionOutput {
  contentType: string;
  enabled: boolean;
  started: boolean;
}

/** A bare content type is the first tenant's (the shape recorded in single-tenant histories). */
export type EnsureSubscriptionInput = string | { contentType: string; tenantId: string };

export function ensureSubscriptionActivity(deps: {
  o365: (tenantId?: string) => Promise<ManagementApiClient>;
}) {
  return async function ensureSubscription(
    input: EnsureSubscriptionInput,
  ): Promise<EnsureSubscriptionOutput> {
    const { contentType, tenantId } =
      typeof input === 'string' ? { contentType: input, tenantId: undefined } : input;
    const client = await deps.o365(tenantId);
    const result = await client.ensureSubscriptions([contentType]);
    return {
      contentType,
      enabled: result.alreadyEnabled.includes(contentType) || result.started.includes(contentType),
      started: result.started.includes(contentType),
    };
  };
}
