/** Makes sure the content type's subscription is started (idempotent; at most one start per 15 minutes). */
import type { ManagementApiClient } from '../src/o365';

export interface EnsureSubscriptionOutput {
  contentType: string;
  enabled: boolean;
  started: boolean;
}

export function ensureSubscriptionActivity(deps: { o365: () => Promise<ManagementApiClient> }) {
  /** The input is the bare content type (the shape recorded in existing histories). */
  return async function ensureSubscription(contentType: string): Promise<EnsureSubscriptionOutput> {
    const client = await deps.o365();
    const result = await client.ensureSubscriptions([contentType]);
    return {
      contentType,
      enabled: result.alreadyEnabled.includes(contentType) || result.started.includes(contentType),
      started: result.started.includes(contentType),
    };
  };
}
