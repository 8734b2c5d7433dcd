/**
 * Errors in Kusto's own shape. The SDK surfaces a non-200 answer as an AxiosError whose `response.data` is this
 * OneApi body, and a v2 DataSetCompletion with `HasErrors` as an Error quoting each `@message`; callers (and the
 * product's error handling) key on `code` and `@type`, so these mirror what a cluster sends.
 */

export interface OneApiError {
  error: {
    code: string;
    message: string;
    '@type': string;
    '@message': string;
    '@context': { timestamp: string; serviceAlias: string; clientRequestId: string; activityId: string };
    '@permanent': boolean;
    '@errorCode'?: string;
  };
}

export class KustoLocalError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly type: string,
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'KustoLocalError';
  }

  toOneApi(clientRequestId: string, activityId: string, now: number): OneApiError {
    return {
      error: {
        code: this.code,
        message:
          this.httpStatus === 403
            ? 'Caller is not authorized to perform this operation'
            : 'Request is invalid and cannot be executed.',
        '@type': this.type,
        '@message': this.message,
        '@context': {
          timestamp: new Date(now).toISOString(),
          serviceAlias: 'LOCAL',
          clientRequestId,
          activityId,
        },
        '@permanent': this.httpStatus !== 429 && this.httpStatus < 500,
        ...(this.errorCode ? { '@errorCode': this.errorCode } : {}),
      },
    };
  }
}

export function syntaxError(message: string): KustoLocalError {
  return new KustoLocalError(
    400,
    'General_BadRequest',
    'Kusto.Data.Exceptions.SyntaxException',
    `Syntax error: ${message}`,
    'SYN0002',
  );
}

export function semanticError(message: string): KustoLocalError {
  return new KustoLocalError(
    400,
    'BadRequest_SemanticError',
    'Kusto.Data.Exceptions.SemanticException',
    `Semantic error: ${message}`,
    'SEM0100',
  );
}

/** The operator or function exists in KQL but this local endpoint does not execute it. */
export function unsupported(what: string): KustoLocalError {
  return new KustoLocalError(
    400,
    'BadRequest_UnsupportedOperator',
    'Kusto.Data.Exceptions.KustoBadRequestException',
    `${what} is not supported by the local Kusto endpoint (it runs a KQL subset; see README "Local Kusto").`,
    'LOCAL0001',
  );
}

export function entityNotFound(
  kind: 'Table' | 'Function' | 'Mapping',
  name: string,
  database: string,
): KustoLocalError {
  return new KustoLocalError(
    400,
    'BadRequest_EntityNotFound',
    'Kusto.Data.Exceptions.EntityNotFoundException',
    `${kind} '${name}' could not be found in database '${database}'.`,
  );
}

export function badRequest(message: string): KustoLocalError {
  return new KustoLocalError(400, 'BadRequest', 'Kusto.Data.Exceptions.KustoBadRequestException', message);
}

export function forbidden(principal: string, operation: string, database: string): KustoLocalError {
  return new KustoLocalError(
    403,
    'Forbidden',
    'Kusto.DataNode.Exceptions.UnauthorizedDatabaseAccessException',
    `Principal '${principal}' is not authorized to perform operation '${operation}' on '[${database}]'.`,
  );
}

/**
 * A batch the ingestion path rejects, with the error code the service reports for it (BadRequest_InvalidBlob,
 * BadRequest_InvalidMappingReference, BadRequest_InconsistentMapping, ...). Permanent: the same batch fails the same
 * way until its cause is fixed.
 */
export function ingestionRejected(code: string, message: string): KustoLocalError {
  return new KustoLocalError(400, code, 'Kusto.DataNode.Exceptions.IngestionException', message);
}
