import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  AlertRulesError,
  DEFAULT_PROCESSED_STATUSES,
  defaultRuleSet,
  TERMINAL_STATUSES,
  loadRuleSet,
  validateRuleDocument,
} from '../../src/alerts';

function problemsOf(setting: string): string[] {
  try {
    loadRuleSet(setting);
  } catch (e) {
    assert.ok(e instanceof AlertRulesError, `expected AlertRulesError, got ${String(e)}`);
    assert.match(e.message, /^ALERT_RULES is invalid/);
    return e.problems;
  }
  assert.fail(`expected ${setting} to be rejected`);
}

describe('loadRuleSet', () => {
  it('returns the default set when ALERT_RULES is unset or blank', () => {
    for (const s of [undefined, '', '   ']) {
      const set = loadRuleSet(s);
      assert.equal(set.name, 'AIR-processed user-reported phish');
      assert.deepEqual(set, defaultRuleSet());
    }
    const [investigations, alerts] = defaultRuleSet().rules;
    assert.equal(investigations.emit, 'verdict');
    assert.deepEqual(investigations.match.Status, [...DEFAULT_PROCESSED_STATUSES, ...TERMINAL_STATUSES]);
    assert.equal(alerts.emit, 'awaitVerdict');
    assert.deepEqual(alerts.match.Name, ['Email reported by user as malware or phish']);
  });

  it('is plain JSON: a serialised set loads back unchanged', () => {
    const set = defaultRuleSet(['Remediated']);
    assert.deepEqual(loadRuleSet(JSON.stringify(set)), set);
  });

  it('accepts the default set with another processed-status list', () => {
    const set = loadRuleSet('{ "processedStatuses": ["Threats Found", "Remediated"] }');
    assert.equal(set.rules.length, 2);
    assert.deepEqual(set.rules[0].match.Status, ['Threats Found', 'Remediated', ...TERMINAL_STATUSES]);
  });

  it('accepts inline rules, alone or after the defaults, and a rule array', () => {
    const high = {
      name: 'high-threat',
      match: { RecordType: [40], Severity: ['High'], Category: ['ThreatManagement'] },
      emit: 'row',
    };
    const own = loadRuleSet(JSON.stringify({ name: 'SOC', rules: [high] }));
    assert.deepEqual(own, { name: 'SOC', rules: [high] });
    const both = loadRuleSet(JSON.stringify({ includeDefaultRules: true, rules: [high] }));
    assert.deepEqual(
      both.rules.map((r) => r.name),
      ['air-processed-user-reported-investigation', 'user-reported-phish-alert', 'high-threat'],
    );
    assert.deepEqual(loadRuleSet(JSON.stringify([high])).rules, [high]);
  });

  it('reads a file path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    try {
      const path = join(dir, 'rules.json');
      writeFileSync(
        path,
        JSON.stringify({ rules: [{ name: 'dlp', match: { RecordType: [11] }, emit: 'row' }] }),
      );
      assert.equal(loadRuleSet(path).rules[0].name, 'dlp');
      writeFileSync(path, '{ nope');
      assert.match(problemsOf(path)[0], /file .*rules\.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing file and bad JSON', () => {
    assert.match(
      problemsOf('/nonexistent/rules.json')[0],
      /neither inline JSON .* nor a readable file.*ENOENT/,
    );
    assert.match(problemsOf('{"rules": [}')[0], /inline JSON is not valid JSON/);
  });

  it('lists every problem with its place and what to fix', () => {
    const problems = problemsOf(
      JSON.stringify({
        rulez: [],
        rules: [
          { name: 'a', match: { RecordType: [40] }, emit: 'rows' },
          { name: 'b', match: { Severity: 'High' }, emit: 'row' },
          { name: 'c', match: { RecordType: [40] }, emit: 'verdict' },
          { name: 'd', match: { RecordType: [64, 40] }, emit: 'awaitVerdict' },
          { name: 'e', match: { RecordType: [40] }, emit: 'row', when: 'always' },
          { name: 'f', match: { 'Data..x': ['y'] }, emit: 'row' },
          { name: 'g', match: {}, matchAny: [], emit: 'row' },
          'not a rule',
        ],
      }),
    );
    const expect = [
      /unknown key "rulez"/,
      /rules\[0\]\.emit must be one of "row", "awaitVerdict", "verdict", got "rows"/,
      /rules\[1\]\.match\["Severity"\] must be a non-empty array/,
      /rules\[2\]: emit "verdict" needs "RecordType": \[64\]/,
      /rules\[3\]: emit "awaitVerdict" needs "RecordType": \[40\]/,
      /rules\[4\] has unknown key "when"/,
      /rules\[5\]\.match has an invalid field path "Data\.\.x"/,
      /rules\[6\]\.matchAny must be a non-empty array/,
      /rules\[7\] must be an object/,
    ];
    for (const re of expect)
      assert.ok(
        problems.some((p) => re.test(p)),
        `no problem matching ${re} in:\n${problems.join('\n')}`,
      );
  });

  it('rejects duplicate names, empty sets and processedStatuses without the defaults', () => {
    const r = { name: 'same', match: { RecordType: [40] }, emit: 'row' };
    assert.match(problemsOf(JSON.stringify([r, r])).join('\n'), /"same" is used twice/);
    assert.match(problemsOf('[]').join('\n'), /no rules/);
    assert.match(
      problemsOf(JSON.stringify({ rules: [r], processedStatuses: ['Remediated'] })).join('\n'),
      /processedStatuses only applies to the default rules/,
    );
    assert.match(
      problemsOf('{ "processedStatuses": [] }').join('\n'),
      /processedStatuses must be a non-empty array/,
    );
    assert.throws(() => validateRuleDocument(42), /expected a JSON array of rules or an object with "rules"/);
  });
});

describe('rule field paths', () => {
  it('a field path through __proto__, constructor or prototype is refused with a message, never silently dropped', () => {
    for (const field of ['__proto__', 'Data.constructor.name', 'prototype']) {
      const doc = `{"rules":[{"name":"x","match":{"RecordType":[40],"${field}":["Object"]},"emit":"row"}]}`;
      const problems = problemsOf(doc);
      assert.equal(problems.length, 1, problems.join('; '));
      assert.match(problems[0], new RegExp(`field path "${field.replace(/\./g, '\\.')}"`));
    }
  });
});
