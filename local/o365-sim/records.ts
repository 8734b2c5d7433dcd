/**
 * Audit records in the real shapes of the public samples (test/fixtures/o365-samples, described in its SOURCES.md): `Data` is a JSON string,
 * `CreationTime` has no zone, and RecordType 40 records sometimes carry RecordType/UserType/Version as strings, as
 * the Elastic fixtures do. Every record is rebuilt from (seed, its labels) alone.
 */
import { type Rng, rngFor } from './random';
import type { LifecycleMix } from './types';

export const USER_REPORTED_ALERT_NAME = 'Email reported by user as malware or phish';
export const PROCESSED_STATUSES = [
  'No threats found',
  'Threats Found',
  'Pending Action',
  'Remediated',
  'Partially Remediated',
] as const;

export type AuditRecord = Record<string, unknown>;

/** `2023-12-31T23:59:59` — the API's CreationTime form (UTC, no zone). */
export function creationTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** `2023-12-31T23:59:59.0000000Z` — the form inside Data and action timestamps. */
function longUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}0000Z`;
}

const USERS = [
  'adele.vance',
  'alex.wilber',
  'diego.siciliani',
  'grady.archie',
  'isaiah.langer',
  'johanna.lorenz',
  'lee.gu',
  'lidia.holloway',
  'lynne.robbins',
  'megan.bowen',
  'miriam.graham',
  'nestor.wilke',
  'patti.fernandez',
  'pradeep.gupta',
];
const SUBJECTS = [
  'Invoice overdue',
  'Your mailbox is almost full',
  'Shared document: Q3 budget',
  'Action required:',
  'Password expires today',
  'Parcel delivery failed',
  'Welkom op My company',
  'Payroll update',
  'Voicemail received',
];
const SENDERS = [
  'billing@contoso-payments.example',
  'it-helpdesk@fabrikam-support.example',
  'noreply@parcel-track.example',
  'hr@northwind-payroll.example',
  'be.noreply@company.example',
];

/** Tenant-wide constants derived from the seed (the user-reported policy id never changes within a tenant). */
export interface TenantIdentity {
  seed: number;
  tenantId: string;
  domain: string;
  userReportedPolicyId: string;
  /** Content is drawn per hour counted from this hour (hours since the Unix epoch); see SimOptions.epochMs. */
  epochHour: number;
}

export function tenantIdentity(seed: number, tenantId: string, epochHour = 0): TenantIdentity {
  return {
    seed,
    tenantId,
    epochHour,
    domain: `tenant${seed}.onmicrosoft.com`,
    userReportedPolicyId: rngFor(seed, 'policy', 'user-reported').guid(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// User-reported phish lifecycle

export interface InvestigationStep {
  at: number;
  status: string;
}

/** One user-reported alert and the AIR SubmissionInvestigation it triggers, fully determined by its labels. */
export interface PhishLifecycle {
  key: string;
  alertId: string;
  bornAt: number;
  user: string;
  subject: string;
  sender: string;
  networkMessageId: string;
  submissionId: string;
  alertEntityAt: number;
  alertUpdatedAt: number;
  /** The alert's records are placed in blobs no earlier than this (delayed availability; CreationTime unchanged). */
  alertAvailableAt?: number;
  kind: LifecycleKind;
  investigation?: {
    id: string;
    steps: InvestigationStep[];
    /** The link to the alert is only in the actions' RelatedAlertIds (Data.ProviderAlertId is null). */
    linkByActionsOnly: boolean;
    /** Data carries no AlertDisplayName; InvestigationType alone marks it user-reported. */
    omitDisplayName: boolean;
  };
}

export interface LifecycleTiming {
  airStartDelayMinutes: { min: number; max: number };
  airVerdictDelayMinutes: { min: number; max: number };
  uninvestigatedShare: number;
  lifecycleMix?: LifecycleMix;
}

export type LifecycleKind = keyof LifecycleMix;
const LIFECYCLE_KINDS: LifecycleKind[] = [
  'standard',
  'terminatedAfterPending',
  'remediatedBeforeAlertListed',
];
/** The end states of an investigation that stops without (further) remediation. */
export const TERMINAL_STATUSES = [
  'Terminated By User',
  'Failed',
  'Terminated by System',
  'Terminated by throttling',
] as const;
/** Latest a lifecycle's records can fall after its birth, beyond the verdict delay (later update + delayed alert). */
export const LIFECYCLE_TAIL_MINUTES = 181 + 120;

function lifecycleKind(
  seed: number,
  mix: LifecycleMix | undefined,
  birthHour: number,
  index: number,
): LifecycleKind {
  if (!mix || (mix.terminatedAfterPending <= 0 && mix.remediatedBeforeAlertListed <= 0)) return 'standard';
  const weights = LIFECYCLE_KINDS.map((k) => mix[k]);
  return rngFor(seed, 'lifecycle-kind', birthHour, index).weighted(LIFECYCLE_KINDS, weights);
}

const MINUTE = 60_000;
const VERDICTS = [
  'Pending Action',
  'Remediated',
  'No threats found',
  'Threats Found',
  'Partially Remediated',
  'Failed',
  'Terminated by System',
  'Terminated By User',
];
const VERDICT_WEIGHTS = [25, 20, 28, 9, 6, 6, 4, 2];

/** The hour an hour's draws are keyed by: hours since the identity's epoch hour. */
export function drawHour(identity: TenantIdentity, hour: number): number {
  return hour - identity.epochHour;
}

/** The lifecycle of alert `index` born in hour `birthHour` (hours since the Unix epoch). */
export function phishLifecycle(
  identity: TenantIdentity,
  timing: LifecycleTiming,
  birthHour: number,
  index: number,
): PhishLifecycle {
  const rng = rngFor(identity.seed, 'phish', drawHour(identity, birthHour), index);
  const bornAt = birthHour * 3_600_000 + Math.floor(rng.next() * 3_600_000);
  const user = `${rng.pick(USERS)}@${identity.domain}`;
  const lifecycle: PhishLifecycle = {
    key: `p${drawHour(identity, birthHour)}.${index}`,
    alertId: rng.guid(),
    bornAt,
    user,
    subject: rng.pick(SUBJECTS),
    sender: rng.pick(SENDERS),
    networkMessageId: rng.guid(),
    submissionId: rng.guid(),
    alertEntityAt: bornAt + rng.int(1, 30) * 1000,
    alertUpdatedAt: 0,
    kind: lifecycleKind(identity.seed, timing.lifecycleMix, drawHour(identity, birthHour), index),
  };
  // Drawn for every kind, so a standard lifecycle's draws do not depend on the mix.
  const investigated = !rng.chance(timing.uninvestigatedShare) || lifecycle.kind !== 'standard';
  const startAt =
    bornAt +
    rng.int(timing.airStartDelayMinutes.min, timing.airStartDelayMinutes.max) * MINUTE +
    rng.int(0, 59) * 1000;
  const verdictAt = Math.max(
    startAt + MINUTE,
    bornAt +
      rng.int(timing.airVerdictDelayMinutes.min, timing.airVerdictDelayMinutes.max) * MINUTE +
      rng.int(0, 59) * 1000,
  );
  const steps: InvestigationStep[] = [
    { at: startAt, status: rng.chance(0.3) ? 'Investigation Started' : 'Running' },
  ];
  if (rng.chance(0.3)) steps.push({ at: Math.floor((startAt + verdictAt) / 2), status: 'Running' });
  const verdict = rng.weighted(VERDICTS, VERDICT_WEIGHTS);
  if (lifecycle.kind === 'standard') {
    steps.push({ at: verdictAt, status: verdict });
    // An approved pending action later completes.
    if (verdict === 'Pending Action' && rng.chance(0.5)) {
      steps.push({ at: verdictAt + rng.int(20, 180) * MINUTE, status: 'Remediated' });
    }
  } else {
    const kindRng = rngFor(identity.seed, 'lifecycle-steps', drawHour(identity, birthHour), index);
    const endAt = verdictAt + kindRng.int(20, 180) * MINUTE;
    steps.push({ at: verdictAt, status: 'Pending Action' });
    if (lifecycle.kind === 'terminatedAfterPending') {
      steps.push({ at: endAt, status: kindRng.pick(TERMINAL_STATUSES) });
    } else {
      steps.push({ at: endAt, status: 'Remediated' });
      // Into the hour after the Remediated update: a later blob than the one holding it, whatever the blob size.
      lifecycle.alertAvailableAt =
        (Math.floor(endAt / 3_600_000) + 1) * 3_600_000 + kindRng.int(1, 30) * MINUTE;
    }
  }
  lifecycle.alertUpdatedAt = investigated
    ? startAt + rng.int(1, 50) * 1000
    : bornAt + rng.int(5, 30) * MINUTE;
  const linkByActionsOnly = rng.chance(0.15);
  const omitDisplayName = rng.chance(0.1);
  if (investigated) {
    lifecycle.investigation = {
      id: `urn:SubmissionInvestigation:${rng.hex(32)}`,
      steps,
      linkByActionsOnly,
      omitDisplayName,
    };
  }
  return lifecycle;
}

/** The record steps of a lifecycle with their times: three alert records, then one per investigation step. */
export function lifecycleEvents(l: PhishLifecycle): { at: number; step: number }[] {
  const delayed = l.alertAvailableAt;
  const events = [
    { at: delayed ?? l.bornAt, step: 0 },
    { at: delayed === undefined ? l.alertEntityAt : delayed + 1, step: 1 },
    { at: delayed === undefined ? l.alertUpdatedAt : delayed + 2, step: 2 },
  ];
  l.investigation?.steps.forEach((s, i) => events.push({ at: s.at, step: 3 + i }));
  return events;
}

const ALERT_OPERATIONS = ['AlertTriggered', 'AlertEntityGenerated', 'AlertUpdated'] as const;

/** Materialises step `step` of a lifecycle (see {@link lifecycleEvents}). */
export function lifecycleRecord(identity: TenantIdentity, l: PhishLifecycle, step: number): AuditRecord {
  const rng = rngFor(identity.seed, 'record', l.key, step);
  if (step < 3) {
    const operation = ALERT_OPERATIONS[step] as string;
    const at = step === 0 ? l.bornAt : step === 1 ? l.alertEntityAt : l.alertUpdatedAt;
    return alertRecord(rng, identity, {
      at,
      operation,
      alertId: l.alertId,
      name: USER_REPORTED_ALERT_NAME,
      policyId: identity.userReportedPolicyId,
      category: 'ThreatManagement',
      severity: 'Low',
      status: step === 2 && l.investigation ? 'Investigating' : 'Active',
      entity: l.user,
      data: userSubmissionData(identity, l, operation, at),
    });
  }
  const inv = l.investigation;
  const s = inv?.steps[step - 3];
  if (!inv || !s) throw new Error(`lifecycle ${l.key} has no step ${step}`);
  return investigationRecord(rng, identity, {
    at: s.at,
    startAt: inv.steps[0]?.at ?? s.at,
    investigationId: inv.id,
    investigationType: 'SubmissionInvestigation',
    investigationName: `User reported message as malicious '${l.subject}' for 'Phish'`,
    status: s.status,
    alertId: l.alertId,
    providerAlertId: inv.linkByActionsOnly ? null : l.alertId,
    alertDisplayName: inv.omitDisplayName ? undefined : USER_REPORTED_ALERT_NAME,
    description:
      'This alert is triggered when any email message is reported as malware or phish by users -V1.0.0.3',
    mail: { user: l.user, subject: l.subject, sender: l.sender, networkMessageId: l.networkMessageId },
    // Investigations linked only through actions always carry an action.
    forceAction: inv.linkByActionsOnly,
  });
}

function userSubmissionData(
  identity: TenantIdentity,
  l: PhishLifecycle,
  operation: string,
  at: number,
): string {
  if (operation === 'AlertTriggered') {
    return JSON.stringify({
      f3u: l.user,
      ts: longUtc(l.bornAt - 60_000),
      te: longUtc(l.bornAt),
      op: 'UserSubmission',
      wl: 'Exchange',
      tid: identity.tenantId,
      tdc: '1',
      reid: l.submissionId,
      rid: l.networkMessageId,
      cid: identity.userReportedPolicyId,
      ad: 'This alert is triggered when any email message is reported as malware or phish by users -V1.0.0.3',
      lon: 'UserSubmission',
      an: USER_REPORTED_ALERT_NAME,
      sev: 'Low',
    });
  }
  return JSON.stringify({
    etype: 'User',
    eid: l.user,
    tid: identity.tenantId,
    ts: longUtc(l.bornAt),
    te: longUtc(at),
    op: 'UserSubmission',
    tdc: '1',
    suid: l.user,
    ut: 'Regular',
    ssic: '0',
    tsd: l.sender,
    sip: '',
    imsgid: `<${l.networkMessageId.slice(0, 8)}@mail.${l.sender.split('@')[1] ?? 'example'}>`,
    srt: '1',
    trc: l.user,
    ms: l.subject,
    sid: l.submissionId,
    md: longUtc(l.bornAt - 120_000),
    etps: `SubmissionId:${l.submissionId}`,
    lon: 'UserSubmission',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Record builders

interface AlertFields {
  at: number;
  operation: string;
  alertId: string;
  name: string;
  policyId: string;
  category: string;
  severity: string;
  status: string;
  entity: string;
  data: string;
}

function alertRecord(rng: Rng, identity: TenantIdentity, f: AlertFields): AuditRecord {
  const stringy = rng.chance(0.3);
  const record: AuditRecord = {
    CreationTime: creationTime(f.at),
    Id: rng.guid(),
    Operation: f.operation,
    OrganizationId: identity.tenantId,
    RecordType: stringy ? '40' : 40,
    ResultStatus: 'Succeeded',
    UserKey: 'SecurityComplianceAlerts',
    UserType: stringy ? '4' : 4,
    Version: stringy ? '1' : 1,
    Workload: 'SecurityComplianceCenter',
    ObjectId: f.operation === 'AlertEntityGenerated' ? f.entity : f.alertId,
    UserId: 'SecurityComplianceAlerts',
    AlertId: f.alertId,
    AlertLinks: [{ AlertLinkHref: '' }],
    AlertType: 'System',
    Category: f.category,
    Comments: 'New alert',
    Data: f.data,
    Name: f.name,
    PolicyId: f.policyId,
    Severity: f.severity,
    Source: 'Office 365 Security & Compliance',
    Status: f.status,
  };
  if (f.operation === 'AlertEntityGenerated') {
    record.AlertEntityId = f.entity;
    record.EntityType = 'User';
  }
  return record;
}

interface InvestigationFields {
  at: number;
  startAt: number;
  investigationId: string;
  investigationType: string;
  investigationName: string;
  status: string;
  alertId: string;
  providerAlertId: string | null;
  alertDisplayName: string | undefined;
  description: string;
  mail: { user: string; subject: string; sender: string; networkMessageId: string };
  forceAction: boolean;
}

const ACTION_STATUS: Record<string, string> = {
  'Pending Action': 'Pending',
  Remediated: 'Completed',
  'Partially Remediated': 'Completed',
  'Threats Found': 'Pending',
  Failed: 'Failed',
};

function investigationRecord(rng: Rng, identity: TenantIdentity, f: InvestigationFields): AuditRecord {
  const processed =
    (PROCESSED_STATUSES as readonly string[]).includes(f.status) ||
    f.status.startsWith('Terminated') ||
    f.status === 'Failed';
  const dataStatus = processed ? 'Resolved' : 'InProgress';
  const data: Record<string, unknown> = {
    Version: '3.0',
    VendorName: 'Microsoft',
    ProviderName: 'OATP',
    AlertType: rng.guid(),
    StartTimeUtc: `${creationTime(f.startAt)}Z`,
    EndTimeUtc: `${creationTime(f.at)}Z`,
    TimeGenerated: `${creationTime(f.startAt)}.00Z`,
    ProcessingEndTime: longUtc(f.at),
    Status: dataStatus,
    Severity: 'Low',
    ConfidenceLevel: 'Unknown',
    ConfidenceScore: 1,
    IsIncident: false,
    ProviderAlertId: f.providerAlertId,
    SystemAlertId: null,
    CorrelationKey: rng.guid(),
    Investigations: [{ $id: '1', Id: f.investigationId, InvestigationStatus: f.status }],
    InvestigationIds: [f.investigationId],
    Intent: 'Probing',
    ResourceIdentifiers: [{ $id: '2', AadTenantId: identity.tenantId, Type: 'AAD' }],
    AzureResourceId: null,
    WorkspaceId: null,
    AlertDisplayName: f.alertDisplayName,
    Description: f.description,
    ExtendedLinks: [
      {
        Href: `https://security.microsoft.com/viewalerts?id=${f.alertId}`,
        Category: null,
        Label: 'alert',
        Type: 'webLink',
      },
    ],
    Entities: [
      {
        $id: '3',
        Recipient: f.mail.user,
        Sender: f.mail.sender,
        Subject: f.mail.subject,
        NetworkMessageId: f.mail.networkMessageId,
        Threats: processed ? ['Phish'] : [],
        DeliveryAction: 'Delivered',
        DeliveryLocation: 'Inbox',
        Type: 'mailMessage',
        Urn: `urn:MailEntity:${f.mail.networkMessageId}`,
        Source: 'OATP',
        FirstSeen: creationTime(f.startAt - 600_000),
      },
    ],
  };
  if (f.alertDisplayName === undefined) delete data.AlertDisplayName;
  const record: AuditRecord = {
    Status: f.status,
    StartTimeUtc: creationTime(f.startAt),
    ObjectId: f.investigationId.split(':')[2] ?? f.investigationId,
    InvestigationType: f.investigationType,
    UserKey: 'AirInvestigation',
    DeepLinkUrl: `https://security.microsoft.com/airinvestigation/${f.investigationId}`,
    OrganizationId: identity.tenantId,
    Operation: 'AirInvestigationData',
    InvestigationId: f.investigationId,
    EndTimeUtc: creationTime(f.at),
    Workload: 'AirInvestigation',
    RecordType: 64,
    Version: 1,
    UserId: 'AirInvestigation',
    CreationTime: creationTime(f.at),
    InvestigationName: f.investigationName,
    Id: rng.guid(),
    UserType: 4,
    RunningTime: String(Math.max(1, Math.round((f.at - f.startAt) / 1000))),
    LastUpdateTimeUtc: creationTime(f.at),
  };
  const actionStatus = ACTION_STATUS[f.status] ?? (f.forceAction ? 'Running' : undefined);
  if (actionStatus) {
    record.Actions = [
      {
        $id: '1',
        ActionId: `urn:EmailZapper:${rng.hex(32)}`,
        InvestigationId: f.investigationId,
        ActionApproval: actionStatus === 'Pending' ? 'None' : 'Approved',
        ActionType: 'EmailRemediation',
        ActionStatus: actionStatus,
        Entities: [
          { $id: '2', NetworkMessageIds: [f.mail.networkMessageId], Type: 'mailCluster', MailCount: 1 },
        ],
        RelatedAlertIds: [f.alertId],
        StartTimeUtc: creationTime(f.startAt),
        LastUpdateTimeUtc: longUtc(f.at),
        TimestampUtc: creationTime(f.at),
        BulkName: `Soft delete email(s) - ${f.investigationId}`,
        PendingType: actionStatus === 'Pending' ? 'User' : null,
        LogCreationTime: longUtc(f.at),
        MachineName: 'AIRWORKER01',
        Description: "For malicious emails,you can move to junk,soft or hard delete from user's mailbox.",
      },
    ];
  }
  record.Data = JSON.stringify(data);
  return record;
}

// ---------------------------------------------------------------------------------------------------------------
// Noise

export type NoiseKind = 'otherAlert' | 'otherInvestigation' | 'otherRecordType';

const OTHER_ALERTS = [
  { name: 'Elevation of Exchange admin privilege', category: 'AccessGovernance', op: 'GrantAdminPermission' },
  { name: 'Suspicious email sending patterns detected', category: 'ThreatManagement', op: 'SendingPattern' },
  {
    name: 'Email messages containing malicious URL removed after delivery',
    category: 'ThreatManagement',
    op: 'ZapUrl',
  },
  { name: 'A potentially malicious URL click was detected', category: 'ThreatManagement', op: 'UrlClick' },
  { name: 'Creation of forwarding/redirect rule', category: 'ThreatManagement', op: 'NewInboxRule' },
];
const OTHER_INVESTIGATIONS = [
  {
    type: 'ZappedEmailInvestigation',
    display: 'Email messages containing malicious URL removed after delivery',
  },
  { type: 'ZappedMalwareInvestigation', display: 'Email messages containing malware removed after delivery' },
  { type: 'UrlInvestigation', display: 'A potentially malicious URL click was detected' },
  // An admin submission runs as a SubmissionInvestigation too: its records qualify by InvestigationType, but the
  // alert it references is not a user-reported one.
  { type: 'SubmissionInvestigation', display: 'Admin submission requested an investigation' },
];
const OTHER_INVESTIGATION_WEIGHTS = [40, 25, 30, 5];
const ALL_STATUSES = ['Running', 'Investigation Started', ...VERDICTS];
const OTHER_TYPES = [
  { type: 28, operation: 'TIMailData', workload: 'ThreatIntelligence' },
  { type: 29, operation: 'UserSubmission', workload: 'ThreatIntelligence' },
  { type: 41, operation: 'TIUrlClickData', workload: 'ThreatIntelligence' },
  { type: 65, operation: 'QuarantineViewMessage', workload: 'Quarantine' },
];

/** Noise record `index` of hour `hour`: its time in the hour is drawn from its own labels. */
export function noiseRecord(
  identity: TenantIdentity,
  kind: NoiseKind,
  at: number,
  hour: number,
  index: number,
): AuditRecord {
  const rng = rngFor(identity.seed, 'noise-record', drawHour(identity, hour), index);
  const user = `${rng.pick(USERS)}@${identity.domain}`;
  if (kind === 'otherAlert') {
    const alert = rng.pick(OTHER_ALERTS);
    const alertId = rng.guid();
    return alertRecord(rng, identity, {
      at,
      operation: rng.pick(ALERT_OPERATIONS),
      alertId,
      name: alert.name,
      policyId: rngFor(identity.seed, 'policy', alert.name).guid(),
      category: alert.category,
      severity: rng.pick(['Low', 'Medium', 'High', 'Informational']),
      status: rng.pick(['Active', 'Investigating', 'Resolved', 'Dismissed']),
      entity: user,
      data: JSON.stringify({
        etype: 'User',
        eid: user,
        tid: identity.tenantId,
        op: alert.op,
        tdc: '1',
        an: alert.name,
      }),
    });
  }
  if (kind === 'otherInvestigation') {
    const inv = rng.weighted(OTHER_INVESTIGATIONS, OTHER_INVESTIGATION_WEIGHTS);
    const id = `urn:${inv.type}:${rng.hex(32)}`;
    const alertId = rng.guid();
    return investigationRecord(rng, identity, {
      at,
      startAt: at - rng.int(1, 240) * MINUTE,
      investigationId: id,
      investigationType: inv.type,
      investigationName: `${inv.display} - ${id}`,
      status: rng.pick(ALL_STATUSES),
      alertId,
      providerAlertId: alertId,
      alertDisplayName: inv.display,
      description: `This alert is triggered when ${inv.display.toLowerCase()}`,
      mail: { user, subject: rng.pick(SUBJECTS), sender: rng.pick(SENDERS), networkMessageId: rng.guid() },
      forceAction: false,
    });
  }
  const t = rng.pick(OTHER_TYPES);
  return {
    CreationTime: creationTime(at),
    Id: rng.guid(),
    Operation: t.operation,
    OrganizationId: identity.tenantId,
    RecordType: t.type,
    UserKey: user,
    UserType: 0,
    Version: 1,
    Workload: t.workload,
    UserId: user,
    ObjectId: rng.guid(),
    NetworkMessageId: rng.guid(),
    Subject: rng.pick(SUBJECTS),
    P1Sender: rng.pick(SENDERS),
    Recipients: [user],
  };
}
