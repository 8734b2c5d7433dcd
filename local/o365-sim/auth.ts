/**
 * The identity side: AAD v1/v2 client-credential token endpoints, OpenID discovery (what @azure/identity asks
 * first), and verification of the bearer tokens the API receives. Tokens are HMAC-signed JWTs so the API can check
 * the tenant (AF20010) and the role (AF10001) without shared state. Token lifetime follows REAL time: MSAL caches
 * tokens by wall-clock, so expiring them on a skipped virtual clock would only produce 401 loops.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenClaims {
  aud: string;
  tid: string;
  appid: string;
  roles: string[];
  iat: number;
  nbf: number;
  exp: number;
  ver: string;
}

export interface AadError {
  status: number;
  error: string;
  description: string;
  aadCode: number;
}

export type TokenOutcome = { ok: true; body: Record<string, unknown> } | { ok: false; failure: AadError };

const LIFETIME_S = 3599;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class TokenAuthority {
  private readonly key = randomBytes(32);

  private readonly tenants = new Map<string, Credentials>();

  /** One tenant, or several (a multi-tenant app consented in each; each tenant may have its own credentials). */
  constructor(creds: Credentials | Credentials[]) {
    for (const c of Array.isArray(creds) ? creds : [creds]) this.tenants.set(c.tenantId.toLowerCase(), c);
  }

  sameTenant(tenant: string): boolean {
    return this.tenants.has(tenant.toLowerCase());
  }

  /** The discovery document @azure/identity (MSAL) reads before its first token request. */
  openIdConfiguration(loginUrl: string, tenant: string, v2: boolean): Record<string, unknown> {
    const base = `${loginUrl}/${tenant}`;
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${loginUrl}/${tenant}/discovery/${v2 ? 'v2.0/' : ''}keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${tenant}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${loginUrl}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  unknownTenant(tenant: string): AadError {
    return {
      status: 400,
      error: 'invalid_request',
      aadCode: 90002,
      description: `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    };
  }

  /** Handles a client-credentials token request (form fields already parsed). */
  issue(tenant: string, form: URLSearchParams, v2: boolean, nowRealMs: number): TokenOutcome {
    const creds = this.tenants.get(tenant.toLowerCase());
    if (!creds) return { ok: false, failure: this.unknownTenant(tenant) };
    if (form.get('grant_type') !== 'client_credentials') {
      return fail(
        400,
        'unsupported_grant_type',
        70003,
        `AADSTS70003: The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`,
      );
    }
    const clientId = form.get('client_id') ?? '';
    if (clientId.toLowerCase() !== creds.clientId.toLowerCase()) {
      return fail(
        400,
        'unauthorized_client',
        700016,
        `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
      );
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!equalText(secret, creds.clientSecret)) {
        return fail(
          401,
          'invalid_client',
          7000215,
          'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
      }
    } else if (assertion !== null) {
      // Certificate credentials: the assertion's shape and subject are checked, not its signature (no key registry).
      const claims = decodeJwtPayload(assertion);
      if (
        form.get('client_assertion_type') !== JWT_BEARER ||
        !claims ||
        String(claims.sub).toLowerCase() !== clientId.toLowerCase()
      ) {
        return fail(
          401,
          'invalid_client',
          700027,
          'AADSTS700027: Client assertion failed signature validation.',
        );
      }
    } else {
      return fail(
        401,
        'invalid_client',
        7000218,
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const resource = v2
      ? (form.get('scope') ?? '')
          .split(' ')
          .find((s) => s.endsWith('/.default'))
          ?.slice(0, -'/.default'.length)
      : form.get('resource');
    if (!resource) {
      return v2
        ? fail(
            400,
            'invalid_scope',
            1002012,
            'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
          )
        : fail(
            400,
            'invalid_resource',
            500011,
            'AADSTS500011: The resource principal was not found in the tenant.',
          );
    }
    const now = Math.floor(nowRealMs / 1000);
    const claims: TokenClaims = {
      aud: resource,
      tid: creds.tenantId,
      appid: clientId,
      roles: ['ActivityFeed.Read', 'ActivityFeed.ReadDlp', 'ServiceHealth.Read'],
      iat: now,
      nbf: now,
      exp: now + LIFETIME_S,
      ver: v2 ? '2.0' : '1.0',
    };
    const accessToken = this.sign(claims);
    const body: Record<string, unknown> = v2
      ? {
          token_type: 'Bearer',
          expires_in: LIFETIME_S,
          ext_expires_in: LIFETIME_S,
          access_token: accessToken,
        }
      : {
          token_type: 'Bearer',
          expires_in: String(LIFETIME_S),
          ext_expires_in: String(LIFETIME_S),
          expires_on: String(claims.exp),
          not_before: String(now),
          resource,
          access_token: accessToken,
        };
    return { ok: true, body };
  }

  private sign(claims: TokenClaims): string {
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createHmac('sha256', this.key).update(`${head}.${payload}`).digest('base64url');
    return `${head}.${payload}.${signature}`;
  }

  /** The claims of a valid, unexpired token from this authority, or undefined. */
  verify(authorization: string | undefined, nowRealMs: number): TokenClaims | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const [head, payload, signature] = (m[1] as string).split('.');
    if (!head || !payload || !signature) return undefined;
    const expected = createHmac('sha256', this.key).update(`${head}.${payload}`).digest('base64url');
    if (!equalText(signature, expected)) return undefined;
    const claims = decodeJwtPayload(`${head}.${payload}.${signature}`) as TokenClaims | undefined;
    if (!claims || claims.exp * 1000 <= nowRealMs) return undefined;
    return claims;
  }
}

function fail(status: number, error: string, aadCode: number, description: string): TokenOutcome {
  return { ok: false, failure: { status, error, aadCode, description } };
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The AAD error body shape (what MSAL parses into its error). */
export function aadErrorBody(
  failure: { error: string; description: string; aadCode: number },
  nowMs: number,
): Record<string, unknown> {
  return {
    error: failure.error,
    error_description: `${failure.description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: ${new Date(nowMs).toISOString()}`,
    error_codes: [failure.aadCode],
    timestamp: new Date(nowMs).toISOString().replace('T', ' ').replace('Z', 'Z'),
    trace_id: '00000000-0000-0000-0000-000000000000',
    correlation_id: '00000000-0000-0000-0000-000000000000',
  };
}
