/**
 * Reads the small YAML subset azure.yaml uses — nested mappings of plain or quoted scalars, comments — and refuses
 * everything else (lists, anchors, block scalars, flow collections, tabs), so a richer azure.yaml fails the test
 * loudly instead of being misread. js-yaml sits in node_modules only as someone else's dependency; this avoids
 * depending on it.
 */
export type YamlMap = { [key: string]: string | YamlMap };

export function readSimpleYaml(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const withoutComment = raw.replace(/(^|\s)#.*$/, '');
    if (withoutComment.trim() === '') return;
    if (raw.includes('\t')) throw new Error(`line ${lineNo}: tabs are not allowed in YAML indentation`);
    const indent = withoutComment.length - withoutComment.trimStart().length;
    const m = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(withoutComment.trim());
    if (!m) throw new Error(`line ${lineNo}: only "key: value" mappings are supported, got "${raw.trim()}"`);
    const [, key, rawValue] = m;
    while (stack.length > 1 && indent <= stack[stack.length - 1].indent) stack.pop();
    const parent = stack[stack.length - 1].map;
    if (key in parent) throw new Error(`line ${lineNo}: duplicate key "${key}"`);
    const value = rawValue?.trim();
    if (value === undefined || value === '') {
      const child: YamlMap = {};
      parent[key] = child;
      stack.push({ indent, map: child });
      return;
    }
    if (/^[[{&*|>!-]/.test(value)) throw new Error(`line ${lineNo}: unsupported YAML value "${value}"`);
    const quoted = /^'(.*)'$|^"(.*)"$/.exec(value);
    parent[key] = quoted ? (quoted[1] ?? quoted[2]) : value;
  });
  return root;
}
