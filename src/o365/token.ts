/**
 * Access tokens for the API: one request in flight at a time however many calls need a token, reused until shortly
 * before it expires, and replaced when the API answers 401 (expired early, revoked, or clocks disagree).
 * Tokens are held in memory only and never appear in errors or logs.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { Duration } from 'luxon';
import { CredentialError } from './errors';

/** Renew this long before expiry so a token does not expire between being read and being checked by the API. */
const EXPIRY_MARGIN_MS = Duration.fromObject({ minutes: 2 }).as('milliseconds');

export class TokenSource {
  private current?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly now: () => number,
  ) {}

  /** A valid token, from memory when possible. */
  async get(): Promise<string> {
    const t = this.current;
    if (t && t.expiresOnTimestamp - EXPIRY_MARGIN_MS > this.now()) return t.token;
    return (await this.fetch()).token;
  }

  /**
   * A token other than `rejected`: forgets the cached one and asks the credential again. If another call already
   * replaced it, that newer token is returned without a second request.
   */
  async refresh(rejected: string): Promise<string> {
    if (this.current && this.current.token !== rejected) return this.current.token;
    this.current = undefined;
    return (await this.fetch()).token;
  }

  private fetch(): Promise<AccessToken> {
    this.pending ??= (async () => {
      try {
        let token: AccessToken | null;
        try {
          token = await this.credential.getToken(this.scope);
        } catch (err) {
          throw new CredentialError(
            `token: no token for ${this.scope}: ${err instanceof Error ? err.message : String(err)}`,
            { status: 0, code: 'TokenRequestFailed', operation: 'token', cause: err },
          );
        }
        if (!token) {
          throw new CredentialError(`token: the credential returned no token for ${this.scope}.`, {
            status: 0,
            code: 'TokenRequestFailed',
            operation: 'token',
          });
        }
        this.current = token;
        return token;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
