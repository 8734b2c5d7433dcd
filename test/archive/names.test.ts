import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentNames, nameSegment, quarantineName, rawContentName } from '../../src/archive';

describe('archive names', () => {
  it('derives raw and quarantine names from content type, UTC creation date and content id', () => {
    const ref = {
      contentType: 'Audit.General',
      contentId: 'abc$def',
      contentCreated: '2026-01-31T23:30:00+02:00',
    };
    assert.equal(rawContentName(ref), 'raw/Audit.General/2026/01/31/abc$def.json.gz');
    assert.equal(quarantineName(ref), 'quarantine/Audit.General/2026/01/31/abc$def.json.gz');
    // Zone-less times are UTC, as the API sends them.
    assert.equal(
      rawContentName({ ...ref, contentCreated: '2026-02-01T00:10:00' }),
      'raw/Audit.General/2026/02/01/abc$def.json.gz',
    );
    assert.throws(
      () => rawContentName({ ...ref, contentCreated: 'yesterday' }),
      /contentCreated "yesterday"/,
    );
  });

  it('encodes unsafe characters so names stay one segment and distinct', () => {
    assert.equal(nameSegment('a/b'), 'a%2Fb');
    assert.equal(nameSegment('..'), '%2E%2E');
    assert.equal(nameSegment('x y%'), 'x%20y%25');
    assert.equal(nameSegment("it's"), 'it%27s');
    assert.notEqual(nameSegment('a/b'), nameSegment('a%2Fb'));
    assert.throws(() => nameSegment(''), /empty/);
  });

  it('names documents per loop and per window', () => {
    assert.equal(documentNames.checkpoint('o365-pipeline'), 'state/checkpoints/o365-pipeline.json');
    assert.equal(documentNames.correlation('o365-pipeline'), 'state/correlation/o365-pipeline.json');
    assert.equal(
      documentNames.ledger('Audit.General', '2026-01-28T10:00:00Z'),
      'state/ledger/Audit.General/2026-01-28/2026-01-28T10:00:00.000Z.json',
    );
    // The same window written two ways is the same document.
    assert.equal(
      documentNames.ledger('Audit.General', '2026-01-28T10:00:00.000Z'),
      documentNames.ledger('Audit.General', '2026-01-28T10:00'),
    );
    assert.ok(
      documentNames
        .ledger('Audit.General', '2026-01-28T10:00Z')
        .startsWith(documentNames.ledgerPrefix('Audit.General')),
    );
    assert.equal(
      documentNames.selection('loop-Audit.General-2026', 'c/1'),
      'selections/loop-Audit.General-2026/c%2F1.json',
    );
  });
});
