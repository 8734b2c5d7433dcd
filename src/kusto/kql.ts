/**
 * Quoting for values spliced into KQL queries and management commands. Every literal the sink sends goes through
 * these helpers, so record Ids, mapping JSON and doc strings can never end a literal early or inject operators.
 */

/** A KQL double-quoted string literal (queries), escaping backslash, quote and control characters. */
export function kqlString(value: string): string {
  return `"${escapeFor(value, '"')}"`;
}

/** A single-quoted string literal, the form management commands use for names, mappings and doc strings. */
export function cslString(value: string): string {
  return `'${escapeFor(value, "'")}'`;
}

function escapeFor(value: string, quote: '"' | "'"): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Table, column and function names are spliced unquoted; this rejects anything that is not a plain identifier
 * (settings are validated the same way) rather than trying to bracket-escape it.
 */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`${what} "${name}" is not a plain Kusto identifier (letters, digits, _).`);
  return name;
}
