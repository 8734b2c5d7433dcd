/**
 * Errors the sink raises. azure-kusto-data surfaces most failures as a raw AxiosError with the service's OneApi
 * body in `response.data`; these classes carry what an operator needs (status, Kusto error code, message) and
 * nothing of the request (the SDK already redacts the Authorization header; we never copy headers).
 */

/** How the Kusto objects get created; the app never creates them. */
export const SETUP_HINT = 'run `azd hooks run postprovision` or `npm run kusto:setup`';

const ROLES_HINT =
  'The app needs database Ingestor and Viewer on its database. Tables, mappings, functions and policies are created ' +
  `by the deploying identity (database Admin): ${SETUP_HINT}.`;

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
      `Azure Data Explorer refused ${operation}${status ? ` (HTTP ${status})` : ''}: ${serviceMessage}. ${ROLES_HINT}`,
      options,
    );
  }
}

/**
 * The database lacks (part of) what the pipeline needs: a table, a column, a mapping or the streaming policy. Raised
 * by the read-only check the app runs instead of creating anything; `problems` lists each missing piece.
 */
export class KustoSetupError extends Error {
  override readonly name = 'KustoSetupError';
  constructor(
    readonly database: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Kusto database ${database} is not set up for this pipeline:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        `The app only checks (it holds Ingestor + Viewer); create the objects as the deploying identity: ${SETUP_HINT}.`,
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
