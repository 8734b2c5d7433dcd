/**
 * The alert table, defined once. The `.create-merge table` command, the JSON ingestion mapping, the row type the
 * alert mapper fills and the documentation are all derived from {@link ALERT_COLUMNS}; adding a column here is the
 * whole change (create-merge adds it on the next start, never dropping data).
 */

export type KustoScalarType =
  'string' | 'datetime' | 'dynamic' | 'int' | 'long' | 'real' | 'bool' | 'guid' | 'timespan';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: KustoScalarType;
  readonly doc: string;
}

export const ALERT_COLUMNS = [
  // Identity of the audit record.
  { name: 'Id', type: 'string', doc: 'Audit record Id (unique per record; the de-duplication key).' },
  { name: 'RecordType', type: 'int', doc: '40 SecurityComplianceAlerts, 64 AirInvestigation, ...' },
  { name: 'CreationTime', type: 'datetime', doc: 'When the audited event happened (UTC).' },
  {
    name: 'Operation',
    type: 'string',
    doc: 'AlertTriggered, AlertEntityGenerated, AlertUpdated, AirInvestigationData, ...',
  },
  { name: 'OrganizationId', type: 'string', doc: 'Tenant id.' },
  { name: 'TenantName', type: 'string', doc: "The tenant's display name (O365_TENANTS), or its id." },
  { name: 'Workload', type: 'string', doc: 'SecurityComplianceCenter, AirInvestigation, ...' },
  { name: 'ResultStatus', type: 'string', doc: 'Result status of the audited operation, when given.' },
  { name: 'UserKey', type: 'string', doc: 'UserKey of the record.' },
  { name: 'ObjectId', type: 'string', doc: 'ObjectId of the record, when given.' },
  // Alert fields (RecordType 40).
  {
    name: 'Name',
    type: 'string',
    doc: 'Alert policy name, e.g. "Email reported by user as malware or phish".',
  },
  { name: 'Severity', type: 'string', doc: 'Low, Medium, High, Informational.' },
  { name: 'Category', type: 'string', doc: 'ThreatManagement, DataGovernance, ...' },
  {
    name: 'Status',
    type: 'string',
    doc: 'Alert status (Active, Investigating, ...) or investigation status (Remediated, ...).',
  },
  { name: 'Source', type: 'string', doc: 'Alert source, e.g. Office 365 Security & Compliance.' },
  { name: 'Comments', type: 'string', doc: 'Alert comments.' },
  { name: 'AlertId', type: 'string', doc: 'Alert id (RecordType 40).' },
  { name: 'PolicyId', type: 'string', doc: 'Alert policy id.' },
  // Investigation fields (RecordType 64).
  {
    name: 'InvestigationType',
    type: 'string',
    doc: 'SubmissionInvestigation, ZappedEmailInvestigation, ...',
  },
  { name: 'InvestigationName', type: 'string', doc: 'Investigation display name.' },
  { name: 'InvestigationId', type: 'string', doc: 'urn:SubmissionInvestigation:...' },
  { name: 'StartTimeUtc', type: 'datetime', doc: 'Investigation start.' },
  { name: 'LastUpdateTimeUtc', type: 'datetime', doc: 'Investigation last update.' },
  { name: 'EndTimeUtc', type: 'datetime', doc: 'Investigation end, when finished.' },
  { name: 'DeepLinkUrl', type: 'string', doc: 'Link to the investigation in the Defender portal.' },
  { name: 'Data', type: 'dynamic', doc: "The record's Data, parsed from its JSON string." },
  { name: 'Actions', type: 'dynamic', doc: 'Investigation actions (remediations and their approval state).' },
  // AIR correlation: for alerts, the investigation that processed them; for investigations, their own verdict.
  { name: 'AirInvestigationId', type: 'string', doc: 'Investigation that processed the alert.' },
  {
    name: 'AirVerdict',
    type: 'string',
    doc: "That investigation's status when the alert was released (No threats found, Remediated, ...).",
  },
  { name: 'SelectedBy', type: 'string', doc: 'Name of the selection rule that kept the record.' },
  // Provenance.
  { name: 'ContentType', type: 'string', doc: 'Management API content type, e.g. Audit.General.' },
  { name: 'ContentId', type: 'string', doc: 'Content blob the record came from.' },
  { name: 'ContentCreated', type: 'datetime', doc: 'When that blob became available.' },
  {
    name: 'WindowStart',
    type: 'datetime',
    doc: 'Start of the window whose listing held the record (for a released alert: the window it was first seen in, not the one that released it).',
  },
  { name: 'WindowEnd', type: 'datetime', doc: 'End of that window.' },
] as const satisfies readonly ColumnDefinition[];

export type AlertColumnName = (typeof ALERT_COLUMNS)[number]['name'];

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
