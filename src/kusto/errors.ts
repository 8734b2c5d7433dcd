/**
 * Errors the sink raises. azure-kusto-data surfaces most failures as a raw AxiosError with the service's OneApi
 * body in `response.data`; these classes carry what an operator needs (status, Kusto error code, message) and
 * nothing of the request (the SDK already redacts the Authorization header; we never copy headers).
 */

const FIRST_RUN_HINT =
  'The first run creates the table, its ingestion mapping and functions, which needs the database Admin role ' +
  'for this principal; afterwards database Ingestor (plus Viewer for status queries and the record-Id check) suffices.';

/** The principal may not run a command or query; thrown instead of the SDK's raw 401/403. */
export class KustoPermissionError extends Error {
  override readonly name = 'KustoPermissionError';
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly serviceMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Azure Data Explorer refused ${operation}${status ? ` (HTTP ${status})` : ''}: ${serviceMessage}. ${FIRST_RUN_HINT}`,
      options,
    );
  }
}

/** Any other failed request, with the service's own code and message. */
export class KustoRequestError extends Error {
  override readonly name = 'KustoRequestError';
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly serviceMessage: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Azure Data Explorer ${operation} failed${status ? ` (HTTP ${status}${code ? ` ${code}` : ''})` : ''}: ${serviceMessage}`,
      options,
    );
  }
}

interface ServiceFailure {
  status?: number;
  code?: string;
  message: string;
}

/** Reads status, OneApi code and message from whatever the SDK threw (AxiosError, Error, string). */
export function describeServiceFailure(error: unknown): ServiceFailure {
  const e = error as {
    message?: unknown;
    response?: { status?: unknown; data?: unknown };
  } | null;
  const status = typeof e?.response?.status === 'number' ? e.response.status : undefined;
  const data = e?.response?.data as
    { error?: { code?: unknown; message?: unknown; '@message'?: unknown } } | string | undefined;
  let code: string | undefined;
  let message: string | undefined;
  if (data && typeof data === 'object' && data.error && typeof data.error === 'object') {
    if (typeof data.error.code === 'string') code = data.error.code;
    const m = data.error['@message'] ?? data.error.message;
    if (typeof m === 'string') message = m;
  } else if (typeof data === 'string' && data.trim() !== '') {
    message = data.trim().slice(0, 500);
  }
  message ??= typeof e?.message === 'string' ? e.message : String(error);
  return { status, code, message };
}

const DENIED_TEXT =
  /\b(forbidden|unauthorized|not authorized|UnauthorizedDatabaseAccess|principal .* is not authorized)\b/i;

/** True for 401/403, OneApi codes Forbidden/Unauthorized, or a Kusto error text that says the principal lacks a right. */
export function isPermissionDenied(failure: ServiceFailure): boolean {
  if (failure.status === 401 || failure.status === 403) return true;
  if (failure.code && /^(forbidden|unauthorized)$/i.test(failure.code)) return true;
  return DENIED_TEXT.test(failure.message);
}

/** Converts an SDK failure into {@link KustoPermissionError} or {@link KustoRequestError}. */
export function toKustoError(operation: string, error: unknown): Error {
  if (error instanceof KustoPermissionError || error instanceof KustoRequestError) return error;
  const failure = describeServiceFailure(error);
  if (isPermissionDenied(failure)) {
    return new KustoPermissionError(operation, failure.status, failure.message, { cause: error });
  }
  return new KustoRequestError(operation, failure.status, failure.code, failure.message, { cause: error });
}
