/** Public surface of the Office 365 Management Activity API client. */
export { ManagementApiClient, type ManagementApiClientOptions } from './client';
export { createManagementApiClient, sharedManagementApiClient, type ClientOverrides } from './factory';
export { createO365Credential, isMicrosoftAuthorityHost, type O365CredentialOptions } from './credential';
export { RequestBudget, sharedBudget } from './budget';
export { parseAuditContent, isAuditRecord, type MalformedRecord } from './content';
export {
  clampWindow,
  earliestStart,
  formatApiTime,
  validateWindow,
  DEFAULT_RETENTION_MARGIN_MINUTES,
  MAX_WINDOW_MS,
  RETENTION_MS,
} from './dates';
export * from './errors';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { START_INTERVAL_MS } from './subscriptions';
export type * from './types';
