/** `npm start` and `npm test` install first exactly when node_modules is missing or older than the lockfile. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

describe('ensure-deps', () => {
  it('asks for an install when node_modules is missing or older than package-lock.json, not otherwise', async () => {
    const { needsInstall } = (await import('../../../scripts/ensure-deps.mjs')) as {
      needsInstall: (root: string) => boolean;
    };
    const root = mkdtempSync(join(tmpdir(), 'ensure-deps-'));
    try {
      writeFileSync(join(root, 'package-lock.json'), '{}');
      assert.equal(needsInstall(root), true, 'fresh clone: no node_modules');
      mkdirSync(join(root, 'node_modules'));
      const installed = join(root, 'node_modules', '.package-lock.json');
      writeFileSync(installed, '{}');
      utimesSync(installed, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
      assert.equal(needsInstall(root), false, 'installed after the lockfile changed');
      utimesSync(join(root, 'package-lock.json'), new Date(2_000_000_100_000), new Date(2_000_000_100_000));
      assert.equal(needsInstall(root), true, 'the lockfile changed after the install');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
