/** Public surface of the Office 365 Management Activity API client. */
export { ManagementApiClient, DEFAULT_MAX_CONTENT_BYTES, type ManagementApiClientOptions } from './client';
export {
  createManagementApiClient,
  sharedManagementApiClient,
  sharedManagementApiClients,
  type ClientOverrides,
} from './factory';
export { CLOUDS, cloudEndpoints, parseCloud, tokenScope, type Cloud, type CloudEndpoints } from './clouds';
export { createO365Credential, isMicrosoftAuthorityHost, type O365CredentialOptions } from './credential';
export { RequestBudget, sharedBudget } from './budget';
export { parseAuditContent, isAuditRecord, type MalformedRecord } from './content';
export { checkContentReference, sortReferences } from './listing';
export {
  clampWindow,
  earliestStart,
  formatApiTime,
  parseStrictUtc,
  validateWindow,
  DEFAULT_RETENTION_MARGIN_MINUTES,
  MAX_WINDOW,
  MAX_WINDOW_MS,
  RETENTION,
  RETENTION_MS,
} from './dates';
export * from './errors';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { START_INTERVAL_MS } from './subscriptions';
export type * from './types';
