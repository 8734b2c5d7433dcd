/**
 * Consistency checks over the Bicep templates, as pure functions returning a list of problems (empty = consistent),
 * so the tests can run them on the real infra/ and on small broken templates alike.
 */
import path from 'node:path';
import { identifiersIn, objectEntries, objectKeysDeep, parseBicep, type BicepFile } from './bicep';

/** Reads a template by path; tests pass an in-memory map for broken examples. */
export type ReadTemplate = (filePath: string) => string | undefined;

export interface ParsedTemplates {
  files: Map<string, BicepFile>;
  problems: string[];
}

/** Parses the entry template and every module it reaches (transitively). Paths are normalised posix-style. */
export function loadTemplates(entryPath: string, read: ReadTemplate): ParsedTemplates {
  const files = new Map<string, BicepFile>();
  const problems: string[] = [];
  const visit = (filePath: string, from?: string): void => {
    const normal = path.posix.normalize(filePath);
    if (files.has(normal)) return;
    const text = read(normal);
    if (text === undefined) {
      problems.push(`${from ?? 'entry'}: module file ${normal} does not exist`);
      return;
    }
    let parsed: BicepFile;
    try {
      parsed = parseBicep(text);
    } catch (err) {
      problems.push(`${normal}: cannot parse: ${(err as Error).message}`);
      return;
    }
    files.set(normal, parsed);
    for (const mod of parsed.modules.values()) {
      if (/^(br|ts)[:/]/.test(mod.path)) {
        problems.push(
          `${normal}: module ${mod.symbol} uses a registry module (${mod.path}); keep modules local`,
        );
        continue;
      }
      visit(path.posix.join(path.posix.dirname(normal), mod.path), `${normal} (module ${mod.symbol})`);
    }
  };
  visit(entryPath);
  return { files, problems };
}

/**
 * Module wiring: every param passed exists in the module, every required module param is passed, and every
 * `<module>.outputs.<name>` reference names an output the module declares.
 */
export function checkModuleWiring(templates: ParsedTemplates): string[] {
  const problems: string[] = [];
  for (const [filePath, file] of templates.files) {
    for (const mod of file.modules.values()) {
      const target = templates.files.get(path.posix.join(path.posix.dirname(filePath), mod.path));
      if (!target) continue; // reported by loadTemplates
      for (const name of mod.params.keys()) {
        if (!target.params.has(name))
          problems.push(
            `${filePath}: module ${mod.symbol} passes "${name}", which ${mod.path} does not declare`,
          );
      }
      for (const p of target.params.values()) {
        if (p.required && !mod.params.has(p.name))
          problems.push(
            `${filePath}: module ${mod.symbol} does not pass required param "${p.name}" of ${mod.path}`,
          );
      }
    }
    const outputRef =
      /(?<![.\w])([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*[!?]?\s*\.\s*\??\s*outputs\s*\.\s*([A-Za-z_]\w*)/g;
    for (const m of file.code.matchAll(outputRef)) {
      const [, symbol, output] = m;
      const mod = file.modules.get(symbol);
      if (!mod) {
        problems.push(`${filePath}: "${symbol}.outputs.${output}" refers to no module named ${symbol}`);
        continue;
      }
      const target = templates.files.get(path.posix.join(path.posix.dirname(filePath), mod.path));
      if (target && !target.outputs.has(output))
        problems.push(`${filePath}: ${symbol}.outputs.${output} is not an output of ${mod.path}`);
    }
  }
  return problems;
}

/** Every declared param and var is used somewhere else in its file (a dead param is usually a wiring mistake). */
export function checkUnusedDeclarations(templates: ParsedTemplates): string[] {
  const problems: string[] = [];
  for (const [filePath, file] of templates.files) {
    const lines = file.code.split('\n');
    const declared = [
      ...[...file.params.values()].map((p) => ({ kind: 'param', name: p.name, line: p.line })),
      ...[...file.vars.values()].map((v) => ({ kind: 'var', name: v.name, line: v.line })),
    ];
    for (const d of declared) {
      // Everything except the declaring line's left-hand side.
      const rest = lines
        .map((l, i) => (i === d.line - 1 ? l.replace(new RegExp(`^(param|var)\\s+${d.name}\\b`), '') : l))
        .join('\n');
      if (!identifiersIn(rest, true).has(d.name))
        problems.push(`${filePath}: ${d.kind} "${d.name}" is never used`);
    }
  }
  return problems;
}

/** Resources use a dated, non-preview API version. */
export function checkApiVersions(templates: ParsedTemplates): string[] {
  const problems: string[] = [];
  for (const [filePath, file] of templates.files) {
    for (const r of file.resources.values()) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(r.apiVersion))
        problems.push(
          `${filePath}: ${r.symbol} uses ${r.type}@${r.apiVersion}; use a GA (non-preview) API version`,
        );
    }
  }
  return problems;
}

/**
 * App setting names a template writes: the keys of the `Microsoft.Web/sites/config` resource named `appsettings`,
 * following the variables its `properties` expression uses (transitively). Throws if there is no such resource or
 * a key is computed (an interpolated key cannot be checked).
 */
export function appSettingNames(file: BicepFile): Set<string> {
  const configs = [...file.resources.values()].filter(
    (r) =>
      r.type === 'Microsoft.Web/sites/config' &&
      objectEntries(r.body).some((e) => e.key === 'name' && e.value === "'appsettings'"),
  );
  if (configs.length !== 1)
    throw new Error(
      `expected exactly one Microsoft.Web/sites/config 'appsettings' resource, found ${configs.length}`,
    );
  const properties = objectEntries(configs[0].body).find((e) => e.key === 'properties');
  if (!properties) throw new Error("the 'appsettings' resource has no properties");

  const names = new Set<string>();
  const seenVars = new Set<string>();
  const collect = (expression: string): void => {
    for (const key of objectKeysDeep(expression)) {
      if (key.startsWith("'")) throw new Error(`app setting name ${key} is computed; write it literally`);
      names.add(key);
    }
    for (const id of identifiersIn(expression)) {
      const v = file.vars.get(id);
      if (v && !seenVars.has(id)) {
        seenVars.add(id);
        collect(v.expression);
      }
    }
  };
  collect(properties.value);
  return names;
}

/** Bicep keywords, types, decorators and functions: identifiers that need no declaration. */
const BICEP_BUILTINS = new Set(
  [
    // keywords and literals
    'param var output resource module targetScope existing if for in true false null metadata type func import',
    // types
    'string int bool object array',
    // decorators
    'description minValue maxValue minLength maxLength allowed secure batchSize sealed discriminator export',
    // scope and deployment functions
    'resourceGroup subscription tenant managementGroup environment deployment az sys',
    // resource functions
    'resourceId subscriptionResourceId tenantResourceId extensionResourceId managementGroupResourceId reference list listKeys',
    // string, array, object, logical and numeric functions
    'concat contains empty endsWith first format guid indexOf join last lastIndexOf length newGuid padLeft replace skip',
    'split startsWith string substring take toLower toUpper trim uniqueString uri uriComponent uriComponentToString',
    'base64 base64ToString base64ToJson dataUri dataUriToString json union intersection items filter map reduce sort',
    'flatten range min max int bool coalesce dateTimeAdd utcNow loadTextContent loadJsonContent loadFileAsBase64',
    'objectKeys toObject tryGet',
  ]
    .join(' ')
    .split(/\s+/),
);

/**
 * Every identifier used in a file is declared in it (param, var, resource, module, output, loop variable) or is a
 * Bicep builtin — catches a misspelled symbol, which Bicep would reject at compile time.
 */
export function checkUndeclaredIdentifiers(templates: ParsedTemplates): string[] {
  const problems: string[] = [];
  for (const [filePath, file] of templates.files) {
    const declared = new Set<string>([
      ...file.params.keys(),
      ...file.vars.keys(),
      ...file.resources.keys(),
      ...file.modules.keys(),
      ...file.outputs.keys(),
    ]);
    for (const m of file.code.matchAll(/\[\s*for\s+(?:\(\s*(\w+)\s*,\s*(\w+)\s*\)|(\w+))\s+in\b/g)) {
      for (const v of [m[1], m[2], m[3]]) if (v) declared.add(v);
    }
    for (const id of identifiersIn(file.code, true)) {
      if (!declared.has(id) && !BICEP_BUILTINS.has(id))
        problems.push(`${filePath}: "${id}" is not declared (nor a Bicep builtin this check knows)`);
    }
  }
  return problems;
}
