import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODE_REACTIONS, reactionFor } from '../../src/o365';

describe('error table', () => {
  it('lists every code of the reference table with its reaction', () => {
    const expected: Record<string, string> = {
      AF10001: 'fatal',
      AF20001: 'fatal',
      AF20002: 'fatal',
      AF20003: 'fatal',
      AF20010: 'fatal',
      AF20011: 'fatal',
      AF20012: 'fatal',
      AF20013: 'fatal',
      AF20020: 'fatal',
      AF20022: 'startSubscription',
      AF20023: 'startSubscription',
      AF20024: 'alreadyEnabled',
      AF20030: 'clampWindow',
      AF20055: 'clampWindow',
      AF20031: 'restartListing',
      AF20050: 'contentNotFound',
      AF20052: 'contentNotFound',
      AF20051: 'contentExpired',
      AF429: 'throttled',
      AF50000: 'retry',
      AF50005: 'retry',
      AF50006: 'retry',
    };
    for (const [code, reaction] of Object.entries(expected)) {
      assert.equal(ERROR_CODE_REACTIONS[code]?.reaction, reaction, code);
      assert.equal(reactionFor(400, code), reaction, code);
    }
  });

  it('decides codeless answers by status', () => {
    assert.equal(reactionFor(429, undefined), 'throttled');
    assert.equal(reactionFor(401, undefined), 'refreshToken');
    assert.equal(reactionFor(408, undefined), 'retry');
    assert.equal(reactionFor(503, undefined), 'retry');
    assert.equal(reactionFor(500, undefined), 'retry');
    assert.equal(reactionFor(404, undefined), 'fatal');
    assert.equal(reactionFor(403, undefined), 'fatal');
  });

  it('treats AF429 in a 403 as throttling and "Tenant ... does not exist" as fatal', () => {
    assert.equal(reactionFor(403, 'AF429'), 'throttled');
    assert.equal(reactionFor(500, undefined, 'Tenant 1234 does not exist.'), 'fatal');
  });
});
