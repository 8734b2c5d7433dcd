import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BICEP_NUGET_VERSION,
  BicepNotFoundError,
  HOW_TO_GET_BICEP,
  nugetBicepPath,
  nugetRuntimeId,
  parseDiagnostics,
  restoreBicepFromNuGet,
  restoreProject,
} from '../../scripts/infra-build';

describe('infra:build', () => {
  it("reads the compiler's diagnostics (errors, warnings, rule codes) and drops repeats", () => {
    const output = [
      '/r/infra/main.bicep(87,38) : Warning no-hardcoded-env-urls: Environment URLs should not be hardcoded. [https://aka.ms/x]',
      '/r/infra/main.bicep(87,38) : Warning no-hardcoded-env-urls: Environment URLs should not be hardcoded. [https://aka.ms/x]',
      '/r/infra/modules/kusto.bicep(91,54) : Error BCP318: The value may be null.',
      'Build succeeded.',
    ].join('\n');
    const found = parseDiagnostics(output);
    assert.deepEqual(
      found.map((d) => [d.line, d.column, d.level, d.code]),
      [
        [87, 38, 'Warning', 'no-hardcoded-env-urls'],
        [91, 54, 'Error', 'BCP318'],
      ],
    );
  });

  it('restores exactly the pinned Bicep package for this machine and nothing else', () => {
    const project = restoreProject('linux-x64', 'net10.0');
    assert.match(
      project,
      new RegExp(
        `<PackageDownload Include="Azure\\.Bicep\\.CommandLine\\.linux-x64" Version="\\[${BICEP_NUGET_VERSION.replace(/\./g, '\\.')}\\]" />`,
      ),
    );
    assert.match(project, /<TargetFramework>net10\.0<\/TargetFramework>/);
    assert.doesNotMatch(project, /PackageReference/);
    assert.equal(nugetRuntimeId('linux', 'x64'), 'linux-x64');
    assert.equal(nugetRuntimeId('darwin', 'arm64'), 'osx-arm64');
    assert.equal(nugetRuntimeId('win32', 'x64'), 'win-x64');
    assert.throws(() => nugetRuntimeId('aix', 'ppc64'), BicepNotFoundError);
    assert.equal(
      nugetBicepPath('linux-x64', '/t'),
      `/t/nuget/azure.bicep.commandline.linux-x64/${BICEP_NUGET_VERSION}/tools/bicep`,
    );
  });

  it('fails with instructions for getting a compiler when there is neither bicep, az nor dotnet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-bicep-'));
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      assert.throws(
        () => restoreBicepFromNuGet(dir),
        (err: Error) =>
          err instanceof BicepNotFoundError &&
          err.message.startsWith(HOW_TO_GET_BICEP) &&
          /az bicep install/.test(err.message) &&
          /\.NET SDK/.test(err.message) &&
          /neither bicep, az nor dotnet is on PATH/.test(err.message),
      );
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
