/**
 * The alert table, defined once. The `.create-merge table` command, the JSON ingestion mapping and the row type the
 * alert mapper fills are all derived from {@link ALERT_COLUMNS}; adding a column here is the whole change in code
 * (create-merge adds it on the next start, never dropping data). What each column means is written once, for the
 * people who query it, in docs/querying.md ("The table"); a test fails when that table and this list disagree.
 */

export type KustoScalarType =
  'string' | 'datetime' | 'dynamic' | 'int' | 'long' | 'real' | 'bool' | 'guid' | 'timespan';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: KustoScalarType;
}

export const ALERT_COLUMNS = [
  // Identity of the audit record.
  { name: 'Id', type: 'string' },
  { name: 'RecordType', type: 'int' },
  { name: 'CreationTime', type: 'datetime' },
  { name: 'Operation', type: 'string' },
  { name: 'OrganizationId', type: 'string' },
  { name: 'TenantName', type: 'string' },
  { name: 'Workload', type: 'string' },
  { name: 'ResultStatus', type: 'string' },
  { name: 'UserKey', type: 'string' },
  { name: 'ObjectId', type: 'string' },
  // Alert fields (RecordType 40).
  { name: 'Name', type: 'string' },
  { name: 'Severity', type: 'string' },
  { name: 'Category', type: 'string' },
  { name: 'Status', type: 'string' },
  { name: 'Source', type: 'string' },
  { name: 'Comments', type: 'string' },
  { name: 'AlertId', type: 'string' },
  { name: 'PolicyId', type: 'string' },
  // Investigation fields (RecordType 64).
  { name: 'InvestigationType', type: 'string' },
  { name: 'InvestigationName', type: 'string' },
  { name: 'InvestigationId', type: 'string' },
  { name: 'StartTimeUtc', type: 'datetime' },
  { name: 'LastUpdateTimeUtc', type: 'datetime' },
  { name: 'EndTimeUtc', type: 'datetime' },
  { name: 'DeepLinkUrl', type: 'string' },
  { name: 'Data', type: 'dynamic' },
  { name: 'Actions', type: 'dynamic' },
  // AIR correlation: for alerts, the investigation that processed them; for investigations, their own verdict.
  { name: 'AirInvestigationId', type: 'string' },
  { name: 'AirVerdict', type: 'string' },
  { name: 'SelectedBy', type: 'string' },
  // Provenance.
  { name: 'ContentType', type: 'string' },
  { name: 'ContentId', type: 'string' },
  { name: 'ContentCreated', type: 'datetime' },
  { name: 'WindowStart', type: 'datetime' },
  { name: 'WindowEnd', type: 'datetime' },
] as const satisfies readonly ColumnDefinition[];

/** The JSON value of a column of this Kusto type, as a row carries it. */
export type TsTypeOf<T extends KustoScalarType> = T extends 'int' | 'long' | 'real'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'dynamic'
      ? unknown
      : string; // datetime travels as an ISO 8601 string

/** One row of a table with these columns, as ingested (JSON): each column's JSON value, or null when not filled. */
export type RowOf<Columns extends readonly ColumnDefinition[]> = {
  [C in Columns[number] as C['name']]: TsTypeOf<C['type']> | null;
};

/** One alert table row. Columns a record does not fill are null. */
export type AlertRow = RowOf<typeof ALERT_COLUMNS>;
