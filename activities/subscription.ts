/** Makes sure the content type's subscription is started (idempotent; at most one start per 15 minutes). */
import { getO365Client } from '../src/runtime';

export interface EnsureSubscriptionOutput {
  contentType: string;
  enabled: boolean;
  started: boolean;
}

export async function ensureSubscription(contentType: string): Promise<EnsureSubscriptionOutput> {
  const client = await getO365Client();
  const result = await client.ensureSubscriptions([contentType]);
  return {
    contentType,
    enabled: result.alreadyEnabled.includes(contentType) || result.started.includes(contentType),
    started: result.started.includes(contentType),
  };
}
