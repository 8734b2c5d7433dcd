/**
 * The lint rules that keep the layers pointing one way reject each forbidden import: linted as if the code sat in the
 * named file, with the repository's own ESLint configuration.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, {
    filePath: resolve(root, filePath),
  });
  return result.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('layering lint rules', () => {
  it('reject an orchestrator importing an impure core module, an activity at run time, or I/O', async () => {
    assert.equal(
      (await restrictedImports('orchestrators/x.ts', "import { x } from '../src/pipeline/state';")).length,
      1,
    );
    assert.equal(
      (await restrictedImports('orchestrators/x.ts', "import { x } from '../src/archive';")).length,
      1,
    );
    assert.equal(
      (await restrictedImports('orchestrators/x.ts', "import { x } from '../activities';")).length,
      1,
    );
    assert.equal((await restrictedImports('orchestrators/x.ts', "import { x } from 'node:fs';")).length, 1);
  });

  it('let an orchestrator import the pure core and activity types', async () => {
    assert.deepEqual(
      await restrictedImports('orchestrators/x.ts', "import { x } from '../src/pipeline/windows';"),
      [],
    );
    assert.deepEqual(
      await restrictedImports('orchestrators/x.ts', "import type { x } from '../activities';"),
      [],
    );
  });

  it('reject src/ importing activities, orchestrators or local stand-ins, except the entry point', async () => {
    assert.equal(
      (await restrictedImports('src/functions/x.ts', "import { x } from '../../activities';")).length,
      1,
    );
    assert.equal(
      (await restrictedImports('src/functions/x.ts', "import { x } from '../../orchestrators/pipelineLoop';"))
        .length,
      1,
    );
    assert.equal(
      (await restrictedImports('src/kusto/x.ts', "import { x } from '../../local/clock';")).length,
      1,
    );
    assert.deepEqual(
      await restrictedImports('src/index.ts', "import { x } from '../orchestrators/pipelineLoop';"),
      [],
    );
  });

  it('reject the O365 simulator importing the selection code it is used to test', async () => {
    assert.equal(
      (await restrictedImports('local/o365-sim/x.ts', "import { x } from '../../src/alerts';")).length,
      1,
    );
  });
});
