/**
 * The KQL parser: Microsoft's own Kusto.Language (from @kusto/language-service-next, a Bridge.NET build of the C#
 * parser), so the local endpoint reads queries and commands exactly as a cluster does and never guesses with
 * regular expressions. The bridge installs a global `Kusto` namespace; it is loaded on first use (about 0.6 s).
 *
 * The bridge's typings describe a huge generated namespace; this module exposes the small structural view the
 * evaluator needs ({@link SyntaxNode}) and helpers to read names, literals and lists from it.
 */

/** The parts of a Kusto.Language syntax element the local endpoint reads. Properties vary by node kind. */
export interface SyntaxNode {
  readonly Kind: number;
  readonly IsToken: boolean;
  readonly ChildCount: number;
  GetChild(index: number): SyntaxNode | null;
  readonly TextStart: number;
  readonly Width: number;
  /** Token text (tokens only). */
  readonly Text?: string;
  /** Unescaped name (NameReference, NameDeclaration, TokenName, BracketedName). */
  readonly SimpleName?: string;
  /** Present on custom commands: e.g. `CreateMergeTable`. */
  readonly CommandKind?: string | null;
  readonly LiteralValueInfo?: { readonly ValueText: string; readonly Value: unknown } | null;
  readonly [property: string]: unknown;
}

interface BridgeList<T> {
  readonly Count: number;
  getItem(index: number): T;
}

interface BridgeDiagnostic {
  readonly Message: string;
  readonly Code: string;
  readonly Start: number;
  readonly Length: number;
  readonly Severity: string;
}

interface KustoCodeLike {
  readonly Kind: string;
  readonly Syntax: SyntaxNode;
  GetDiagnostics(): BridgeList<BridgeDiagnostic>;
}

interface KustoLanguageGlobal {
  Language: {
    KustoCode: { Parse(text: string): KustoCodeLike };
    Syntax: { SyntaxKind: Record<string, unknown> };
  };
}

let language: KustoLanguageGlobal['Language'] | undefined;
let kindNames: Map<number, string> | undefined;

function load(): KustoLanguageGlobal['Language'] {
  if (language) return language;
  // The bridge files are plain scripts that define globals; they have no exports to import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- script with side effects, loaded lazily
  require('@kusto/language-service-next/bridge.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- script with side effects, loaded lazily
  require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  language = (globalThis as unknown as { Kusto: KustoLanguageGlobal }).Kusto.Language;
  kindNames = new Map();
  for (const name of Object.getOwnPropertyNames(language.Syntax.SyntaxKind)) {
    const value = language.Syntax.SyntaxKind[name];
    if (typeof value === 'number' && /^[A-Z]/.test(name)) kindNames.set(value, name);
  }
  return language;
}

/** A parsed query or command: its root, its text (for slicing node text) and its syntax errors. */
export interface ParsedCode {
  readonly text: string;
  readonly isCommand: boolean;
  readonly root: SyntaxNode;
  readonly errors: readonly { message: string; code: string; start: number }[];
}

export function parseKusto(text: string): ParsedCode {
  const code = load().KustoCode.Parse(text);
  const diagnostics = code.GetDiagnostics();
  const errors: { message: string; code: string; start: number }[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity === 'Error') errors.push({ message: d.Message, code: d.Code, start: d.Start });
  }
  return { text, isCommand: code.Kind === 'Command', root: code.Syntax, errors };
}

/** The SyntaxKind name of a node, e.g. `FilterOperator`, `EqualEqualToken`. */
export function kindOf(node: SyntaxNode): string {
  load();
  return kindNames?.get(node.Kind) ?? String(node.Kind);
}

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let i = 0; i < node.ChildCount; i++) {
    const child = node.GetChild(i);
    if (child) out.push(child);
  }
  return out;
}

/** Every descendant, depth-first, in source order. */
export function descendants(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode): void => {
    for (const c of children(n)) {
      out.push(c);
      visit(c);
    }
  };
  visit(node);
  return out;
}

/** A named child property that holds a node (e.g. `Condition`), or undefined. */
export function prop(node: SyntaxNode, name: string): SyntaxNode | undefined {
  const value = node[name];
  return value && typeof value === 'object' ? (value as SyntaxNode) : undefined;
}

/** The elements of a `SyntaxList<SeparatedElement<T>>` (or of a plain `SyntaxList<T>`). */
export function listItems(list: SyntaxNode | undefined): SyntaxNode[] {
  if (!list) return [];
  const bridgeList = list as unknown as BridgeList<SyntaxNode & { Element?: SyntaxNode }>;
  const out: SyntaxNode[] = [];
  for (let i = 0; i < bridgeList.Count; i++) {
    const item = bridgeList.getItem(i);
    out.push(item.Element ?? item);
  }
  return out;
}

/** The source text of a node, without its leading trivia. */
export function textOf(code: ParsedCode, node: SyntaxNode): string {
  return code.text.slice(node.TextStart, node.TextStart + node.Width);
}

/** The value of a string literal node (unescaped), or undefined when the node is not one. */
export function stringLiteral(node: SyntaxNode | undefined): string | undefined {
  if (!node || kindOf(node) !== 'StringLiteralExpression') return undefined;
  return node.LiteralValueInfo?.ValueText ?? undefined;
}

/** The unescaped name of a NameDeclaration / NameReference / TokenName / BracketedName. */
export function nameOf(node: SyntaxNode | undefined): string | undefined {
  if (!node) return undefined;
  if (typeof node.SimpleName === 'string') return node.SimpleName;
  if (node.IsToken) return node.Text;
  return undefined;
}
