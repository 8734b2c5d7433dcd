/**
 * A small Bicep structure reader for the infra consistency tests (no Bicep compiler can be installed here).
 *
 * It understands only what the checks need — top-level declarations (param, var, output, resource, module,
 * targetScope), decorators, the body object of resources and modules, and the entries of object literals — and it
 * refuses what it does not understand (an unknown statement at column 0, unbalanced brackets, an unterminated
 * string) instead of guessing, so a template it cannot read fails the tests rather than passing them vacuously.
 *
 * Everything works on a "code view" of the text: the same length and line breaks as the source, with comments and
 * the literal parts of strings blanked out, while string interpolations (`${...}`) stay visible as code. Bracket
 * matching and identifier searches on that view cannot be fooled by braces or names inside strings or comments.
 */

export class BicepSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'BicepSyntaxError';
  }
}

export interface BicepParam {
  name: string;
  /** The type as written, e.g. `string`, `int`, `string?`. */
  type: string;
  /** The default value expression, when there is one. */
  defaultValue?: string;
  decorators: string[];
  /** No default and not a nullable type: a caller must pass it. */
  required: boolean;
  line: number;
}

export interface BicepVar {
  name: string;
  expression: string;
  line: number;
}

export interface BicepOutput {
  name: string;
  type: string;
  expression: string;
  line: number;
}

export interface BicepResource {
  symbol: string;
  /** Resource type without the API version, e.g. `Microsoft.Web/sites`. */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The body object literal, braces included (code view). */
  body: string;
  line: number;
}

export interface BicepModule {
  symbol: string;
  /** The module path as written (relative to the declaring file). */
  path: string;
  body: string;
  /** Entries of the `params` object: parameter name → value expression (code view). */
  params: Map<string, string>;
  line: number;
}

export interface BicepFile {
  targetScope?: string;
  params: Map<string, BicepParam>;
  vars: Map<string, BicepVar>;
  outputs: Map<string, BicepOutput>;
  resources: Map<string, BicepResource>;
  modules: Map<string, BicepModule>;
  /** Comment- and string-free text of the whole file (same offsets as the source). */
  code: string;
}

export interface ObjectEntry {
  key: string;
  value: string;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

/**
 * Blanks comments and literal string content, keeping quotes and interpolated expressions. Multi-line strings
 * ('''...''') have no escapes and no interpolation.
 */
export function codeView(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };

  /** Scans code from i until an unmatched `}` (when inInterpolation) or the end; returns the index reached. */
  const scanCode = (start: number, inInterpolation: boolean): number => {
    let i = start;
    let depth = 0;
    while (i < source.length) {
      const c = source[i];
      if (c === '/' && source[i + 1] === '/') {
        const end = source.indexOf('\n', i);
        const stop = end === -1 ? source.length : end;
        blank(i, stop);
        i = stop;
      } else if (c === '/' && source[i + 1] === '*') {
        const end = source.indexOf('*/', i + 2);
        if (end === -1) throw new BicepSyntaxError('unterminated /* comment', lineAt(source, i));
        blank(i, end + 2);
        i = end + 2;
      } else if (c === "'" && source.startsWith("'''", i)) {
        const end = source.indexOf("'''", i + 3);
        if (end === -1) throw new BicepSyntaxError("unterminated ''' string", lineAt(source, i));
        blank(i + 3, end);
        i = end + 3;
      } else if (c === "'") {
        i = scanString(i);
      } else if (inInterpolation && c === '{') {
        depth++;
        i++;
      } else if (inInterpolation && c === '}') {
        if (depth === 0) return i;
        depth--;
        i++;
      } else {
        i++;
      }
    }
    if (inInterpolation) throw new BicepSyntaxError('unterminated ${ interpolation', lineAt(source, start));
    return i;
  };

  /** i is at the opening quote; returns the index after the closing quote. */
  const scanString = (start: number): number => {
    let i = start + 1;
    while (i < source.length) {
      const c = source[i];
      if (c === '\n') throw new BicepSyntaxError('unterminated string', lineAt(source, start));
      if (c === '\\') {
        blank(i, i + 2);
        i += 2;
      } else if (c === '$' && source[i + 1] === '{') {
        blank(i, i + 2);
        const end = scanCode(i + 2, true);
        blank(end, end + 1);
        i = end + 1;
      } else if (c === "'") {
        return i + 1;
      } else {
        blank(i, i + 1);
        i++;
      }
    }
    throw new BicepSyntaxError('unterminated string', lineAt(source, start));
  };

  scanCode(0, false);
  return out.join('');
}

/** Index of the bracket closing the one at `open` in code-view text; throws when unbalanced. */
export function matchingBracket(code: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (OPEN.has(c)) stack.push(c);
    else if (c in CLOSE) {
      if (stack.pop() !== CLOSE[c]) throw new BicepSyntaxError(`unbalanced "${c}"`, lineAt(code, i));
      if (stack.length === 0) return i;
    }
  }
  throw new BicepSyntaxError(`"${code[open]}" is never closed`, lineAt(code, open));
}

/** Bracket depth change of one code-view line; throws on a closer without opener within the file. */
function depthDelta(line: string): number {
  let d = 0;
  for (const c of line) {
    if (OPEN.has(c)) d++;
    else if (c in CLOSE) d--;
  }
  return d;
}

/** The literal text of a single-quoted string starting at `index` in the source (no interpolation allowed). */
function stringLiteralAt(source: string, index: number, what: string, line: number): string {
  const m = /^'((?:[^'\\$]|\\.)*)'/.exec(source.slice(index));
  if (!m) throw new BicepSyntaxError(`${what} must be a plain string literal`, line);
  return m[1].replace(/\\(.)/g, '$1');
}

/**
 * Entries of an object literal given with its braces (code view or source). Entries are separated by newlines or
 * commas at depth 1; a line that does not start with `key:` continues the previous entry (multi-line ternaries).
 */
export function objectEntries(objectText: string): ObjectEntry[] {
  const code = codeView(objectText);
  const start = code.indexOf('{');
  if (start === -1) throw new BicepSyntaxError('expected an object literal', 1);
  const end = matchingBracket(code, start);
  const pieces: { text: string; offset: number }[] = [];
  let depth = 0;
  let pieceStart = start + 1;
  for (let i = start + 1; i < end; i++) {
    const c = code[i];
    if (OPEN.has(c)) depth++;
    else if (c in CLOSE) depth--;
    else if (depth === 0 && (c === '\n' || c === ',')) {
      pieces.push({ text: objectText.slice(pieceStart, i), offset: pieceStart });
      pieceStart = i + 1;
    }
  }
  pieces.push({ text: objectText.slice(pieceStart, end), offset: pieceStart });

  const entries: ObjectEntry[] = [];
  for (const piece of pieces) {
    const pieceCode = code.slice(piece.offset, piece.offset + piece.text.length);
    if (pieceCode.trim() === '') continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|'[^']*')\s*:/.exec(pieceCode);
    if (!m) {
      const last = entries.at(-1);
      if (!last) throw new BicepSyntaxError(`object entry without a key: "${piece.text.trim()}"`, 1);
      last.value += `\n${piece.text}`;
      continue;
    }
    let key = m[1];
    if (key.startsWith("'")) {
      const literal = piece.text.slice(piece.text.indexOf("'"));
      const rawKey = /^'((?:[^'\\]|\\.)*)'/.exec(literal)?.[1] ?? '';
      key = rawKey.includes('${') ? `'${rawKey}'` : rawKey;
    }
    entries.push({ key, value: piece.text.slice(m[0].length).trim() });
  }
  return entries.map((e) => ({ key: e.key, value: e.value.trim() }));
}

/** Every key of every object literal in an expression (nested objects included). */
export function objectKeysDeep(expression: string): string[] {
  const code = codeView(expression);
  const keys: string[] = [];
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== '{') continue;
    // Interpolation braces are blanked in the code view, so every `{` left opens an object literal.
    const end = matchingBracket(code, i);
    const entries = objectEntries(expression.slice(i, end + 1));
    keys.push(...entries.map((e) => e.key));
  }
  return keys;
}

/**
 * Identifiers used in an expression: not inside string literals or comments (interpolations count), not property
 * names after `.`, not object keys. Pass isCodeView when the text is already a {@link codeView}.
 */
export function identifiersIn(expression: string, isCodeView = false): Set<string> {
  // Object keys (`name:` at the start of a line or after `{`/`,`) are not references; blank them first.
  const code = (isCodeView ? expression : codeView(expression)).replace(
    /(^|[{,])(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*:)(?!:)/gm,
    (_m, lead: string, ws: string, key: string, colon: string) =>
      `${lead}${ws}${' '.repeat(key.length)}${colon}`,
  );
  const ids = new Set<string>();
  for (const m of code.matchAll(/(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)\b/g)) ids.add(m[1]);
  return ids;
}

/** The body object of a resource or module: the object literal that ends the declaration. */
function bodyOf(code: string, source: string, exprStart: number, line: number): string {
  const lastClose = code.lastIndexOf('}');
  if (lastClose < exprStart) throw new BicepSyntaxError('declaration has no body object', line);
  // Walk back to the matching `{`.
  let depth = 0;
  for (let i = lastClose; i >= exprStart; i--) {
    const c = code[i];
    if (c === '}' || c === ']' || c === ')') depth++;
    else if (OPEN.has(c)) {
      depth--;
      if (depth === 0) {
        if (c !== '{') throw new BicepSyntaxError('declaration body is not an object', line);
        return source.slice(i, lastClose + 1);
      }
    }
  }
  throw new BicepSyntaxError('unbalanced declaration body', line);
}

/** Splits at the first assignment `=` (not `==`, `!=`, `<=`, `>=`, `=~`, `=>`) in code view. */
function splitAssignment(code: string): number {
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== '=') continue;
    const prev = code[i - 1];
    const next = code[i + 1];
    if (
      next === '=' ||
      next === '~' ||
      next === '>' ||
      prev === '!' ||
      prev === '<' ||
      prev === '>' ||
      prev === '='
    )
      continue;
    return i;
  }
  return -1;
}

const STATEMENT = /^(param|var|output|resource|module|targetScope|type|func|import|metadata)\b/;

/** Parses a Bicep file's top-level structure. */
export function parseBicep(source: string): BicepFile {
  const code = codeView(source);
  const file: BicepFile = {
    params: new Map(),
    vars: new Map(),
    outputs: new Map(),
    resources: new Map(),
    modules: new Map(),
    code,
  };

  // Group lines into statements: a statement starts at column 0, at bracket depth 0, with a keyword or decorator.
  interface Statement {
    start: number;
    end: number;
    line: number;
    decorators: string[];
  }
  const statements: Statement[] = [];
  let pendingDecorators: string[] = [];
  let depth = 0;
  let offset = 0;
  let current: Statement | undefined;
  const lines = code.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineCode = lines[n];
    const lineStart = offset;
    offset += lineCode.length + 1;
    const startsStatement = depth === 0 && /^\S/.test(lineCode);
    if (startsStatement) {
      if (lineCode.startsWith('@')) {
        if (current) current = undefined;
        pendingDecorators.push(source.slice(lineStart, lineStart + lineCode.length).trim());
      } else if (STATEMENT.test(lineCode)) {
        current = {
          start: lineStart,
          end: lineStart + lineCode.length,
          line: n + 1,
          decorators: pendingDecorators,
        };
        pendingDecorators = [];
        statements.push(current);
      } else {
        throw new BicepSyntaxError(`unexpected text at top level: "${lineCode.trim().slice(0, 40)}"`, n + 1);
      }
    } else if (current && lineCode.trim() !== '') {
      current.end = lineStart + lineCode.length;
    } else if (depth > 0 && pendingDecorators.length > 0 && !current) {
      // A multi-line decorator such as @allowed([ ... ]).
      pendingDecorators[pendingDecorators.length - 1] +=
        `\n${source.slice(lineStart, lineStart + lineCode.length)}`;
    }
    depth += depthDelta(lineCode);
    if (depth < 0) throw new BicepSyntaxError('closing bracket without an opening one', n + 1);
  }
  if (depth !== 0) throw new BicepSyntaxError('unbalanced brackets at end of file', lines.length);
  if (pendingDecorators.length > 0)
    throw new BicepSyntaxError('decorator without a declaration', lines.length);

  for (const st of statements) {
    const text = source.slice(st.start, st.end);
    const stCode = code.slice(st.start, st.end);
    const keyword = STATEMENT.exec(stCode)?.[1];
    const assign = splitAssignment(stCode);
    const lhs = (assign === -1 ? stCode : stCode.slice(0, assign)).trim();
    const rhs = assign === -1 ? undefined : text.slice(assign + 1).trim();
    const duplicate = (map: Map<string, unknown>, name: string): void => {
      if (map.has(name)) throw new BicepSyntaxError(`"${name}" is declared twice`, st.line);
    };
    switch (keyword) {
      case 'targetScope': {
        if (rhs === undefined) throw new BicepSyntaxError('targetScope needs a value', st.line);
        file.targetScope = stringLiteralAt(rhs, 0, 'targetScope', st.line);
        break;
      }
      case 'param': {
        const m = /^param\s+([A-Za-z_]\w*)\s+(\S[\s\S]*)$/.exec(lhs);
        if (!m) throw new BicepSyntaxError('param needs a name and a type', st.line);
        const name = m[1];
        const nameEnd = stCode.indexOf(name, 'param'.length) + name.length;
        const typeText = text.slice(nameEnd, assign === -1 ? text.length : assign).trim();
        duplicate(file.params, name);
        file.params.set(name, {
          name,
          type: typeText,
          defaultValue: rhs,
          decorators: st.decorators,
          required: rhs === undefined && !typeText.endsWith('?'),
          line: st.line,
        });
        break;
      }
      case 'var': {
        const m = /^var\s+([A-Za-z_]\w*)$/.exec(lhs);
        if (!m || rhs === undefined) throw new BicepSyntaxError('var needs a name and a value', st.line);
        duplicate(file.vars, m[1]);
        file.vars.set(m[1], { name: m[1], expression: rhs, line: st.line });
        break;
      }
      case 'output': {
        const m = /^output\s+([A-Za-z_]\w*)\s+(\S[\s\S]*)$/.exec(lhs);
        if (!m || rhs === undefined)
          throw new BicepSyntaxError('output needs a name, a type and a value', st.line);
        duplicate(file.outputs, m[1]);
        file.outputs.set(m[1], { name: m[1], type: m[2].trim(), expression: rhs, line: st.line });
        break;
      }
      case 'resource': {
        const m = /^resource\s+([A-Za-z_]\w*)\s+'/.exec(lhs);
        if (!m || rhs === undefined)
          throw new BicepSyntaxError('resource needs a symbol, a type and a body', st.line);
        const typeWithVersion = stringLiteralAt(text, m[0].length - 1, 'resource type', st.line);
        const at = typeWithVersion.lastIndexOf('@');
        if (at === -1)
          throw new BicepSyntaxError(`resource type "${typeWithVersion}" has no @api-version`, st.line);
        duplicate(file.resources, m[1]);
        file.resources.set(m[1], {
          symbol: m[1],
          type: typeWithVersion.slice(0, at),
          apiVersion: typeWithVersion.slice(at + 1),
          existing: /'\s+existing$/.test(lhs),
          body: bodyOf(stCode, text, assign, st.line),
          line: st.line,
        });
        break;
      }
      case 'module': {
        const m = /^module\s+([A-Za-z_]\w*)\s+'/.exec(lhs);
        if (!m || rhs === undefined)
          throw new BicepSyntaxError('module needs a symbol, a path and a body', st.line);
        const path = stringLiteralAt(text, m[0].length - 1, 'module path', st.line);
        const body = bodyOf(stCode, text, assign, st.line);
        const paramsEntry = objectEntries(body).find((e) => e.key === 'params');
        const params = new Map<string, string>();
        if (paramsEntry) {
          if (!paramsEntry.value.trim().startsWith('{'))
            throw new BicepSyntaxError('module params must be an object literal', st.line);
          for (const e of objectEntries(paramsEntry.value)) {
            if (params.has(e.key)) throw new BicepSyntaxError(`module param "${e.key}" given twice`, st.line);
            params.set(e.key, e.value);
          }
        }
        duplicate(file.modules, m[1]);
        file.modules.set(m[1], { symbol: m[1], path, body, params, line: st.line });
        break;
      }
      default:
        // type, func, import, metadata: not needed by the checks; accepted so valid templates still parse.
        break;
    }
  }
  return file;
}
