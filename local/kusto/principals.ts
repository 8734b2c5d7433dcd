/**
 * Just enough of Kusto's database roles to exercise the product's split: the deployer (Admin) creates the Kusto
 * objects, the app (Ingestor + Viewer) only ingests, queries and verifies. Every request is made by a principal with a set of roles, found in this order:
 *  1. the `x-ms-local-roles` header (`admin`, `ingestor`, `viewer`, comma-separated) — for tests that craft requests;
 *  2. the bearer token, looked up in {@link PrincipalDirectory.tokens} — for the real SDK with `withAccessToken(t)`;
 *  3. the endpoint's default principal (Admin unless changed with `setDefaultRoles`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { badRequest, forbidden } from './errors';

export type KustoRole = 'admin' | 'ingestor' | 'viewer';

export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<KustoRole>;
}

export interface PrincipalDirectory {
  /** bearer token → principal. Tokens are test fixtures, never real credentials. */
  readonly tokens: Map<string, Principal>;
  defaultPrincipal: Principal;
}

export const ROLE_HEADER = 'x-ms-local-roles';

export function parseRoles(text: string): Set<KustoRole> {
  const roles = new Set<KustoRole>();
  for (const part of text.split(',')) {
    const role = part.trim().toLowerCase();
    if (role === 'admin' || role === 'ingestor' || role === 'viewer') roles.add(role);
    else if (role !== '')
      throw badRequest(`Unknown local Kusto role '${part.trim()}' (admin, ingestor, viewer).`);
  }
  return roles;
}

export function principalFor(headers: IncomingHttpHeaders, directory: PrincipalDirectory): Principal {
  const header = headers[ROLE_HEADER];
  if (typeof header === 'string') return { name: `local:${header}`, roles: parseRoles(header) };
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) {
    const known = directory.tokens.get(auth.slice(7).trim());
    if (known) return known;
  }
  return directory.defaultPrincipal;
}

/** What an operation needs: Admin can do everything; ingestion needs Ingestor; reading needs Viewer (or more). */
export type Permission = 'admin' | 'ingest' | 'read';

export function authorize(
  principal: Principal,
  permission: Permission,
  operation: string,
  database: string,
): void {
  const roles = principal.roles;
  const allowed =
    roles.has('admin') ||
    (permission === 'ingest' && roles.has('ingestor')) ||
    (permission === 'read' && (roles.has('viewer') || roles.has('ingestor')));
  if (!allowed) throw forbidden(principal.name, operation, database);
}
