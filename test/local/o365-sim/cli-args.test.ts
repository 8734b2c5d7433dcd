import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parseSimArgs, USAGE } from '../../../local/o365-sim/cli-args';

const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';

const NOW = Date.parse('2026-06-10T12:34:00Z');

describe('o365-sim command-line flags', () => {
  it('maps volume and fault flags onto SimOptions', () => {
    const o = parseSimArgs(
      [
        '--port',
        '0',
        '--seed',
        '9',
        '--records-per-hour',
        '5000',
        '--records-per-blob',
        '250',
        '--backlog-days',
        '7',
        '--latency',
        '100-300',
        '--throttle-rate',
        '0.05',
        '--no-blob-403',
        '--budget',
        '2000',
        '--malformed-rate',
        '0.01',
        '--late-listing-rate',
        '0.1',
        '--late-listing-minutes',
        '30',
        '--page-size',
        '50',
      ],
      NOW,
    );
    assert.equal(o.port, 0);
    assert.equal(o.seed, 9);
    assert.equal(o.pageSize, 50);
    assert.equal(o.tenant?.recordsPerHour, 5000);
    assert.equal(o.tenant?.recordsPerBlob, 250);
    assert.equal(o.tenant?.contentStartMs, Date.parse('2026-06-03T12:00:00Z'));
    assert.deepEqual(o.faults?.latencyMs, { min: 100, max: 300 });
    assert.equal(o.faults?.throttleRate, 0.05);
    assert.equal(o.faults?.blobThrottleAs403, false);
    assert.equal(o.faults?.requestBudgetPerMinute, 2000);
    assert.equal(o.faults?.malformedBlobRate, 0.01);
    assert.equal(o.faults?.lateListingMinutes, 30);
    assert.equal(o.help, false);
  });

  it('rejects unknown flags and non-numbers', () => {
    assert.throws(() => parseSimArgs(['--frobnicate'], NOW));
    assert.throws(() => parseSimArgs(['--seed', 'abc'], NOW), /--seed needs a number/);
    assert.throws(() => parseSimArgs(['--latency', 'fast'], NOW), /--latency needs MIN-MAX/);
  });

  it('maps poison and lifecycle flags onto faults and the profile', () => {
    const o = parseSimArgs(
      [
        '--not-found-rate',
        '0.01',
        '--foreign-host-rate',
        '0.02',
        '--foreign-host',
        'attacker.example.org',
        '--oversize-rate',
        '0.03',
        '--oversize-mb',
        '8',
        '--bad-created-rate',
        '0.04',
        '--recovering-rate',
        '0.05',
        '--recover-after',
        '90',
        '--proto-alert-rate',
        '0.1',
        '--lifecycle-mix',
        'standard=8,terminatedAfterPending=1,remediatedBeforeAlertListed=1',
      ],
      NOW,
    );
    assert.deepEqual(o.faults, {
      notFoundBlobRate: 0.01,
      foreignHostBlobRate: 0.02,
      foreignHost: 'attacker.example.org',
      oversizeBlobRate: 0.03,
      oversizeBlobBytes: 8 * 1024 * 1024,
      badContentCreatedRate: 0.04,
      recoveringBlobRate: 0.05,
      recoverAfterMinutes: 90,
      protoAlertRate: 0.1,
    });
    assert.deepEqual(o.tenant?.lifecycleMix, {
      standard: 8,
      terminatedAfterPending: 1,
      remediatedBeforeAlertListed: 1,
    });
    assert.throws(
      () => parseSimArgs(['--lifecycle-mix', 'weird=1'], NOW),
      /--lifecycle-mix needs name=weight/,
    );
  });

  it('every flag the usage text names is accepted and changes the options', () => {
    const flags = [...new Set([...USAGE.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1]))];
    assert.ok(flags.length >= 35, `flags in USAGE: ${flags.length}`);
    const valueFor: Record<string, string> = {
      replay: 'dir',
      tenants: A,
      latency: '5-6',
      'lifecycle-mix': 'standard=1',
      'foreign-host': 'x.example.org',
    };
    const defaults = JSON.stringify(parseSimArgs([], NOW));
    for (const flag of flags) {
      const args =
        flag === 'no-blob-403' || flag === 'help' ? [`--${flag}`] : [`--${flag}`, valueFor[flag] ?? '0.5'];
      assert.notEqual(JSON.stringify(parseSimArgs(args, NOW)), defaults, `--${flag} changes nothing`);
    }
  });

  it('takes --tenants as a GUID list, inline JSON, or a JSON file, and says what is wrong otherwise', () => {
    assert.deepEqual(parseSimArgs(['--tenants', `${A}, ${B}`], NOW).tenants, [
      { tenantId: A },
      { tenantId: B },
    ]);
    const inline = [
      { tenantId: A, name: 'Contoso', seed: 3, faults: { throttleRate: 0.1 } },
      { tenantId: B },
    ];
    assert.deepEqual(parseSimArgs(['--tenants', JSON.stringify(inline)], NOW).tenants, inline);
    const dir = mkdtempSync(join(tmpdir(), 'o365-sim-tenants-'));
    try {
      const file = join(dir, 'tenants.json');
      writeFileSync(file, JSON.stringify({ tenants: inline }));
      assert.deepEqual(parseSimArgs(['--tenants', file], NOW).tenants, inline);
      writeFileSync(file, '{ not json');
      assert.throws(() => parseSimArgs(['--tenants', file], NOW), /--tenants: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => parseSimArgs(['--tenants', '/no/such/file.json'], NOW), /cannot read/);
    assert.throws(() => parseSimArgs(['--tenants', '[]'], NOW), /non-empty array/);
  });

  it('starts the CLI with several tenants and prints them all in O365_TENANT_ID', async () => {
    const root = resolve(__dirname, '..', '..', '..');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/o365-sim/cli.ts', '--port', '0', '--tenants', `${A},${B}`],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const output = await new Promise<string>((resolveOutput, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no banner in time: ${text}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (text.includes('Ctrl+C')) {
            clearTimeout(timer);
            resolveOutput(text);
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited ${code}: ${text}`));
        });
      });
      assert.match(output, new RegExp(`O365_TENANT_ID=${A},${B}`));
      assert.match(output, /tenants: tenant-1 aaaaaaaa-.*tenant-2 bbbbbbbb-/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
