/**
 * Management commands (`POST /v1/rest/mgmt`), read from Kusto.Language's command syntax tree: the parser names the
 * command (`CommandKind`) and hands back its table names, column declarations, string literals and `with (...)`
 * properties as nodes, so nothing here pattern-matches command text.
 */
import { badRequest, entityNotFound, syntaxError, unsupported } from './errors';
import { parseJsonMapping } from './ingest';
import { authorize, type Principal } from './principals';
import type { ResultTable } from './protocol';
import type { ExtentInfo, FunctionInfo, KustoStore, MappingInfo, TableInfo } from './store';
import {
  children,
  descendants,
  kindOf,
  nameOf,
  type ParsedCode,
  parseKusto,
  stringLiteral,
  type SyntaxNode,
  textOf,
} from './syntax';
import { type Column, DOTNET_TYPE, type KustoType, parseKustoType, parseTimespan } from './types';

/** Where queued ingestion lives (Azurite), as `.get ingestion resources` reports it. */
export interface IngestionResources {
  readonly readyQueue: string;
  readonly failedQueue: string;
  readonly successQueue: string;
  readonly tempStorage: readonly string[];
  readonly statusTable: string;
}

export interface CommandContext {
  readonly store: KustoStore;
  readonly database: string;
  readonly principal: Principal;
  readonly now: number;
  readonly ingestionResources?: IngestionResources;
}

type Handler = (command: ParsedCommand, ctx: CommandContext) => ResultTable;

interface ParsedCommand {
  readonly code: ParsedCode;
  /** The command's top custom node (everything after the dot). */
  readonly body: SyntaxNode;
}

const col = (name: string, type: KustoType = 'string'): Column => ({ name, type });

export function executeCommand(csl: string, ctx: CommandContext): ResultTable {
  const code = parseKusto(csl);
  const command = descendants(code.root).find(
    (n) => kindOf(n) === 'CustomCommand' || kindOf(n) === 'UnknownCommand',
  );
  if (!command) throw syntaxError(`'${csl.trim().slice(0, 60)}' is not a management command.`);
  const body = children(command)[1];
  if (!body) throw syntaxError('empty command.');
  const parsed: ParsedCommand = { code, body };
  if (kindOf(command) === 'UnknownCommand') return executeUnknownCommand(parsed, ctx);
  if (code.errors.length > 0) throw syntaxError(code.errors[0]!.message);
  const handler = HANDLERS[command.CommandKind ?? ''];
  if (!handler) throw unsupported(`Management command '${commandWords(parsed)}'`);
  return handler(parsed, ctx);
}

/** The leading keywords of a command, e.g. `.show table extents`, for error messages. */
function commandWords(command: ParsedCommand): string {
  const words = descendants(command.body)
    .filter((n) => n.IsToken && kindOf(n) === 'IdentifierToken')
    .slice(0, 3)
    .map((n) => n.Text);
  return `.${words.join(' ')}`;
}

/** `.get ingestion resources` and `.get kusto identity token` are data-management commands the parser does not model. */
function executeUnknownCommand(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const words = descendants(command.body)
    .filter((n) => n.IsToken)
    .map((n) => (n.Text ?? '').toLowerCase())
    .join(' ');
  if (words === 'get ingestion resources') {
    authorize(ctx.principal, 'ingest', 'Get ingestion resources', ctx.database);
    const resources = ctx.ingestionResources;
    if (!resources)
      throw badRequest(
        'Queued ingestion is not enabled on this local Kusto endpoint (start it with Azurite: --azurite).',
      );
    const rows: string[][] = [
      ['SecuredReadyForAggregationQueue', resources.readyQueue],
      ['FailedIngestionsQueue', resources.failedQueue],
      ['SuccessfulIngestionsQueue', resources.successQueue],
      ...resources.tempStorage.map((url) => ['TempStorage', url]),
      ['IngestionsStatusTable', resources.statusTable],
    ];
    return { columns: [col('ResourceTypeName'), col('StorageRoot')], rows };
  }
  if (words === 'get kusto identity token') {
    authorize(ctx.principal, 'ingest', 'Get kusto identity token', ctx.database);
    // An opaque value: the local worker does not check it, but the client must carry it through like a real one.
    return {
      columns: [col('AuthorizationContext')],
      rows: [[`local-kusto-identity-token;issued=${ctx.now}`]],
    };
  }
  throw unsupported(`Management command '.${words}'`);
}

/** First table name in the command (a NameDeclaration when created, a NameReference otherwise). */
function tableName(command: ParsedCommand): string {
  const node = descendants(command.body).find(
    (n) => kindOf(n) === 'NameDeclaration' || kindOf(n) === 'NameReference',
  );
  const name = nameOf(node);
  if (!name) throw syntaxError('a table name is expected.');
  return name;
}

/** `with (folder='f', docstring='d')` → { folder: 'f', docstring: 'd' } (keys lower-cased). */
function withProperties(command: ParsedCommand): Record<string, string> {
  const out: Record<string, string> = {};
  for (const node of descendants(command.body)) {
    const parts = children(node);
    if (parts.length !== 3 || kindOf(parts[1]!) !== 'EqualToken') continue;
    const key = nameOf(parts[0]) ?? parts[0]!.Text;
    const valueNode = parts[2]!;
    if (!key || !kindOf(valueNode).endsWith('LiteralExpression')) continue;
    out[key.toLowerCase()] = stringLiteral(valueNode) ?? textOf(command.code, valueNode);
  }
  return out;
}

/** Column declarations `name:type` anywhere in the command. */
function columnDeclarations(command: ParsedCommand): Column[] {
  const columns: Column[] = [];
  for (const node of descendants(command.body)) {
    const parts = children(node);
    if (parts.length !== 3 || kindOf(parts[0]!) !== 'NameDeclaration' || kindOf(parts[1]!) !== 'ColonToken')
      continue;
    if (kindOf(node) === 'NameAndTypeDeclaration') continue; // function parameters, not columns
    const typeText = textOf(command.code, parts[2]!);
    const type = parseKustoType(typeText);
    if (!type) throw syntaxError(`unknown column type '${typeText}'.`);
    columns.push({ name: nameOf(parts[0])!, type });
  }
  return columns;
}

/** String literals that are direct parts of the command (not inside `with (...)`). */
function commandStrings(command: ParsedCommand): string[] {
  return children(command.body)
    .map((n) => stringLiteral(n))
    .filter((s): s is string => s !== undefined);
}

function requireTable(ctx: CommandContext, name: string): TableInfo {
  const table = ctx.store.getTable(ctx.database, name);
  if (!table) throw entityNotFound('Table', name, ctx.database);
  return table;
}

function cslSchema(table: TableInfo): string {
  return table.columns.map((c) => `${c.name}:${c.type}`).join(',');
}

function tableSchemaTable(table: TableInfo): ResultTable {
  return {
    columns: [col('TableName'), col('Schema'), col('DatabaseName'), col('Folder'), col('DocString')],
    rows: [[table.name, cslSchema(table), table.database, table.folder, table.docString]],
  };
}

function mappingTable(mappings: readonly MappingInfo[]): ResultTable {
  return {
    columns: [
      col('Name'),
      col('Kind'),
      col('Mapping'),
      col('LastUpdatedOn', 'datetime'),
      col('Database'),
      col('Table'),
    ],
    rows: mappings.map((m) => [m.name, m.kind, m.mapping, Date.parse(m.lastUpdatedOn), m.database, m.table]),
  };
}

function functionTable(functions: readonly FunctionInfo[]): ResultTable {
  return {
    columns: [col('Name'), col('Parameters'), col('Body'), col('Folder'), col('DocString')],
    rows: functions.map((f) => [f.name, f.parameters, f.body, f.folder, f.docString]),
  };
}

function extentTable(extents: readonly ExtentInfo[]): ResultTable {
  return {
    columns: [
      col('ExtentId', 'guid'),
      col('DatabaseName'),
      col('TableName'),
      col('MaxCreatedOn', 'datetime'),
      col('OriginalSize', 'real'),
      col('ExtentSize', 'real'),
      col('RowCount', 'long'),
      col('MinCreatedOn', 'datetime'),
      col('Tags'),
    ],
    rows: extents.map((e) => [
      e.id,
      e.database,
      e.table,
      Date.parse(e.createdOn),
      0,
      0,
      e.rowCount,
      Date.parse(e.createdOn),
      e.tags.join('\r\n'),
    ]),
  };
}

function createMergeTable(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const name = tableName(command);
  authorize(ctx.principal, 'admin', 'Create table', ctx.database);
  const columns = columnDeclarations(command);
  if (columns.length === 0) throw syntaxError('.create-merge table needs at least one column.');
  const props = withProperties(command);
  return tableSchemaTable(
    ctx.store.createMergeTable(ctx.database, name, columns, props.folder, props.docstring),
  );
}

function createTable(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const name = tableName(command);
  authorize(ctx.principal, 'admin', 'Create table', ctx.database);
  const existing = ctx.store.getTable(ctx.database, name);
  const columns = columnDeclarations(command);
  if (existing) {
    const same =
      existing.columns.length === columns.length &&
      existing.columns.every((c, i) => c.name === columns[i]!.name && c.type === columns[i]!.type);
    if (!same) throw badRequest(`Table '${name}' already exists with a different schema.`);
    return tableSchemaTable(existing);
  }
  const props = withProperties(command);
  return tableSchemaTable(
    ctx.store.createMergeTable(ctx.database, name, columns, props.folder, props.docstring),
  );
}

function createOrAlterMapping(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'admin', 'Create ingestion mapping', ctx.database);
  const words = children(command.body)
    .filter((n) => n.IsToken)
    .map((n) => (n.Text ?? '').toLowerCase());
  const kindWord = words[words.indexOf('ingestion') + 1];
  if (kindWord !== 'json') throw unsupported(`Ingestion mapping kind '${kindWord ?? '?'}'`);
  const [name, mappingJson] = commandStrings(command);
  if (!name || mappingJson === undefined)
    throw syntaxError('expected the mapping name and the mapping JSON as string literals.');
  // Validates both casings and that every column exists before storing.
  const entries = parseJsonMapping(mappingJson);
  for (const entry of entries)
    if (!table.columns.some((c) => c.name === entry.column))
      throw badRequest(
        `Ingestion mapping '${name}' refers to column '${entry.column}', which table '${table.name}' does not have.`,
      );
  return mappingTable([
    ctx.store.upsertMapping(ctx.database, table.name, 'Json', name, mappingJson, ctx.now),
  ]);
}

function showMappings(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show ingestion mappings', ctx.database);
  const strings = commandStrings(command);
  const mappings = ctx.store
    .listMappings(ctx.database, table.name)
    .filter((m) => strings.length === 0 || m.name === strings[0]);
  return mappingTable(mappings);
}

function showTables(_command: ParsedCommand, ctx: CommandContext): ResultTable {
  authorize(ctx.principal, 'read', 'Show tables', ctx.database);
  return {
    columns: [col('TableName'), col('DatabaseName'), col('Folder'), col('DocString')],
    rows: ctx.store.listTables(ctx.database).map((t) => [t.name, t.database, t.folder, t.docString]),
  };
}

function showTableSchemaAsJson(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show table schema', ctx.database);
  const schema = {
    Name: table.name,
    OrderedColumns: table.columns.map((c) => ({ Name: c.name, Type: DOTNET_TYPE[c.type], CslType: c.type })),
  };
  return {
    columns: [col('TableName'), col('Schema'), col('DatabaseName'), col('Folder'), col('DocString')],
    rows: [[table.name, JSON.stringify(schema), table.database, table.folder, table.docString]],
  };
}

function showTableCslSchema(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show table schema', ctx.database);
  return tableSchemaTable(table);
}

/** The answer of `.show table T policy ...` and of its `.alter`: one row naming the policy and its JSON. */
function tablePolicyTable(table: TableInfo, policyName: string, policyJson: string): ResultTable {
  return {
    columns: [col('PolicyName'), col('EntityName'), col('Policy'), col('ChildEntities'), col('EntityType')],
    rows: [[policyName, `[${table.database}].[${table.name}]`, policyJson, '', 'Table']],
  };
}

function streamingPolicyTable(table: TableInfo): ResultTable {
  return tablePolicyTable(
    table,
    'StreamingIngestionPolicy',
    JSON.stringify({ IsEnabled: table.streamingIngestionEnabled, HintAllocatedRate: null }),
  );
}

function alterStreamingPolicy(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'admin', 'Alter table policy', ctx.database);
  const words = descendants(command.body)
    .filter((n) => n.IsToken)
    .map((n) => (n.Text ?? '').toLowerCase());
  let enabled: boolean;
  if (words.includes('enable')) enabled = true;
  else if (words.includes('disable')) enabled = false;
  else {
    const policyJson = descendants(command.body)
      .map((n) => stringLiteral(n))
      .find((text) => text !== undefined);
    try {
      enabled = Boolean((JSON.parse(policyJson ?? '') as { IsEnabled?: unknown }).IsEnabled);
    } catch {
      throw syntaxError('expected enable, disable or a policy JSON string.');
    }
  }
  ctx.store.setStreamingIngestion(ctx.database, table.name, enabled);
  return streamingPolicyTable(requireTable(ctx, table.name));
}

function showStreamingPolicy(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show table policy', ctx.database);
  return streamingPolicyTable(table);
}

/** The service default when a table has no batching policy of its own. */
const DEFAULT_BATCHING_POLICY = {
  MaximumBatchingTimeSpan: '00:05:00',
  MaximumNumberOfItems: 500,
  MaximumRawDataSizeMB: 1024,
};
const MIN_BATCHING_MS = 10_000;

function batchingPolicyTable(table: TableInfo): ResultTable {
  return tablePolicyTable(
    table,
    'IngestionBatchingPolicy',
    table.batchingPolicy ?? JSON.stringify(DEFAULT_BATCHING_POLICY),
  );
}

/** `.alter table T policy ingestionbatching '{...}'`: stored (unset fields take the service defaults), not enforced. */
function alterBatchingPolicy(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'admin', 'Alter table policy', ctx.database);
  const policyJson = descendants(command.body)
    .map((n) => stringLiteral(n))
    .find((text) => text !== undefined);
  let policy: Record<string, unknown>;
  try {
    policy = JSON.parse(policyJson ?? '') as Record<string, unknown>;
    if (!policy || typeof policy !== 'object' || Array.isArray(policy)) throw new Error('not an object');
  } catch {
    throw syntaxError('expected the ingestion batching policy as a JSON object string.');
  }
  const merged = { ...DEFAULT_BATCHING_POLICY, ...policy };
  const span = parseTimespan(merged.MaximumBatchingTimeSpan);
  if (span === null || span < MIN_BATCHING_MS)
    throw badRequest(
      `Ingestion batching policy: MaximumBatchingTimeSpan must be a timespan of at least 00:00:10, got '${String(merged.MaximumBatchingTimeSpan)}'.`,
    );
  ctx.store.setBatchingPolicy(ctx.database, table.name, JSON.stringify(merged));
  return batchingPolicyTable(requireTable(ctx, table.name));
}

function showBatchingPolicy(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show table policy', ctx.database);
  return batchingPolicyTable(table);
}

function dropMapping(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'admin', 'Drop ingestion mapping', ctx.database);
  const [name] = commandStrings(command);
  if (!name) throw syntaxError('expected the mapping name as a string literal.');
  if (!ctx.store.dropMapping(ctx.database, table.name, 'Json', name))
    throw entityNotFound('Mapping', name, ctx.database);
  return mappingTable(ctx.store.listMappings(ctx.database, table.name));
}

/** `.alter column T.C type=t`: existing values are kept and read as the new type. */
function alterColumnType(command: ParsedCommand, ctx: CommandContext): ResultTable {
  authorize(ctx.principal, 'admin', 'Alter column type', ctx.database);
  const names = descendants(command.body)
    .filter((n) => kindOf(n) === 'NameReference')
    .map((n) => nameOf(n)!);
  const typeNode = descendants(command.body).find((n) => kindOf(n) === 'PrimitiveTypeExpression');
  const type = typeNode ? parseKustoType(textOf(command.code, typeNode)) : undefined;
  if (names.length !== 2 || !type) throw syntaxError('expected .alter column Table.Column type=<type>.');
  return tableSchemaTable(ctx.store.alterColumnType(ctx.database, names[0]!, names[1]!, type));
}

function createOrAlterFunction(command: ParsedCommand, ctx: CommandContext): ResultTable {
  authorize(ctx.principal, 'admin', 'Create function', ctx.database);
  const nodes = descendants(command.body);
  const nameNode = children(command.body).find((n) => kindOf(n) === 'NameDeclaration');
  const declaration = nodes.find((n) => kindOf(n) === 'FunctionDeclaration');
  const name = nameOf(nameNode);
  if (!name || !declaration) throw syntaxError('expected a function name, parameters and a body.');
  const parameters = children(declaration).find((n) => kindOf(n) === 'FunctionParameters');
  const body = children(declaration).find((n) => kindOf(n) === 'FunctionBody');
  if (!parameters || !body) throw syntaxError('expected function parameters and a body.');
  const props = withProperties({
    code: command.code,
    body: children(command.body).find((n) => kindOf(n) === 'CustomNode') ?? command.body,
  });
  const fn: FunctionInfo = {
    database: ctx.database,
    name,
    parameters: textOf(command.code, parameters),
    body: textOf(command.code, body),
    folder: props.folder ?? '',
    docString: props.docstring ?? '',
  };
  ctx.store.upsertFunction(fn);
  return functionTable([fn]);
}

function showFunctions(_command: ParsedCommand, ctx: CommandContext): ResultTable {
  authorize(ctx.principal, 'read', 'Show functions', ctx.database);
  return functionTable(ctx.store.listFunctions(ctx.database));
}

function showFunction(command: ParsedCommand, ctx: CommandContext): ResultTable {
  authorize(ctx.principal, 'read', 'Show function', ctx.database);
  const name = tableName(command);
  const fn = ctx.store.getFunction(ctx.database, name);
  if (!fn) throw entityNotFound('Function', name, ctx.database);
  return functionTable([fn]);
}

/** `.show table T extents [where tags has|contains|!has 'x' and ...]`. */
function showTableExtents(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const table = requireTable(ctx, tableName(command));
  authorize(ctx.principal, 'read', 'Show extents', ctx.database);
  const predicates: ((tags: readonly string[]) => boolean)[] = [];
  for (const node of descendants(command.body)) {
    const parts = children(node);
    if (parts.length !== 3 || (parts[0]!.Text ?? '').toLowerCase() !== 'tags') continue;
    const op = (parts[1]!.Text ?? '').toLowerCase();
    const value = stringLiteral(parts[2]) ?? '';
    if (op === 'has') predicates.push((tags) => tags.includes(value));
    else if (op === '!has') predicates.push((tags) => !tags.includes(value));
    else if (op === 'contains')
      predicates.push((tags) => tags.some((t) => t.toLowerCase().includes(value.toLowerCase())));
    else if (op === '!contains')
      predicates.push((tags) => !tags.some((t) => t.toLowerCase().includes(value.toLowerCase())));
    else throw unsupported(`Extent tag predicate '${op}'`);
  }
  const extents = ctx.store
    .listExtents(ctx.database, table.name)
    .filter((e) => predicates.every((p) => p(e.tags)));
  return extentTable(extents);
}

function dropTable(command: ParsedCommand, ctx: CommandContext): ResultTable {
  const name = tableName(command);
  authorize(ctx.principal, 'admin', 'Drop table', ctx.database);
  const ifExists = descendants(command.body).some(
    (n) => n.IsToken && (n.Text ?? '').toLowerCase() === 'ifexists',
  );
  if (!ctx.store.getTable(ctx.database, name) && !ifExists) throw entityNotFound('Table', name, ctx.database);
  ctx.store.dropTable(ctx.database, name);
  return {
    columns: [col('TableName'), col('DatabaseName')],
    rows: ctx.store.listTables(ctx.database).map((t) => [t.name, t.database]),
  };
}

const HANDLERS: Record<string, Handler> = {
  CreateMergeTable: createMergeTable,
  CreateTable: createTable,
  CreateOrAlterTableIngestionMapping: createOrAlterMapping,
  CreateTableIngestionMapping: createOrAlterMapping,
  AlterTableIngestionMapping: createOrAlterMapping,
  ShowTableIngestionMappings: showMappings,
  ShowTableIngestionMapping: showMappings,
  ShowTables: showTables,
  ShowTableSchemaAsJson: showTableSchemaAsJson,
  ShowTableCslSchema: showTableCslSchema,
  AlterTablePolicyStreamingIngestion: alterStreamingPolicy,
  ShowTablePolicyStreamingIngestion: showStreamingPolicy,
  AlterTablePolicyIngestionBatching: alterBatchingPolicy,
  ShowTablePolicyIngestionBatching: showBatchingPolicy,
  DropTableIngestionMapping: dropMapping,
  AlterColumnType: alterColumnType,
  CreateOrAlterFunction: createOrAlterFunction,
  ShowFunctions: showFunctions,
  ShowFunction: showFunction,
  ShowTableExtents: showTableExtents,
  DropTable: dropTable,
};
