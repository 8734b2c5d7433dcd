import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..', '..');
const simDir = join(root, 'local', 'o365-sim');

describe('o365-sim independence', () => {
  it('imports nothing from the product (src/, activities/, orchestrators/), so its ground truth is a second opinion', () => {
    const offending: string[] = [];
    for (const name of readdirSync(simDir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(simDir, name), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(simDir, spec));
        if (/^(src|activities|orchestrators)(\/|$)/.test(target)) offending.push(`${name} → ${spec}`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
