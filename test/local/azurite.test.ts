/**
 * Azurite as the stack runs it: in a process group of its own, so a terminal's Ctrl-C reaches the stack and not
 * Azurite (the stack stops it after the host, when nothing writes to it any more), and, when its owner dies without
 * stopping it, it shuts down as on Ctrl-C and keeps every write it acknowledged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../local/azurite';

const root = resolve(__dirname, '..', '..');
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function processGroupOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so count from its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Azurite as the stack runs it', () => {
  const folders: string[] = [];
  after(() => {
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  it('runs in a process group of its own', async () => {
    const location = mkdtempSync(join(tmpdir(), 'azurite-group-'));
    folders.push(location);
    const azurite = await startAzurite({ location, blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      assert.equal(processGroupOf(azurite.pid), azurite.pid, 'Azurite leads its own process group');
      assert.notEqual(processGroupOf(azurite.pid), processGroupOf(process.pid));
    } finally {
      await azurite.close();
    }
    assert.equal(isRunning(azurite.pid), false, 'close() stops it');
  });

  it('keeps every acknowledged write when its owner dies without stopping it', async () => {
    const location = mkdtempSync(join(tmpdir(), 'azurite-orphan-'));
    folders.push(location);
    const written = 20;
    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'fixtures', 'azurite-owner.ts'), location, String(written)],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    owner.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!out.includes('\n')) {
      assert.ok(Date.now() < deadline && owner.exitCode === null, `the owner started Azurite: ${out}`);
      await pause(50);
    }
    const { azuritePid } = JSON.parse(out) as { azuritePid: number };
    owner.kill('SIGKILL');
    for (let i = 0; i < 300 && isRunning(azuritePid); i++) await pause(50);
    assert.equal(isRunning(azuritePid), false, 'Azurite exits when its owner is gone');

    const again = await startAzurite({ location, blobPort: 0, queuePort: 0, tablePort: 0 });
    try {
      const container = BlobServiceClient.fromConnectionString(again.connectionString).getContainerClient(
        'kept',
      );
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat()) names.push(blob.name);
      assert.equal(names.length, written, 'every blob written before the owner died is still there');
    } finally {
      await again.close();
    }
  });
});
