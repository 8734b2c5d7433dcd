/** Alias of ./index for callers that import the endpoint from `local/kusto/server`; ./index is the canonical path. */
export * from './index';
