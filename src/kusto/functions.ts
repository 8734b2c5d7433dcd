/**
 * The KQL functions shipped with the table and created by the deployer's setup (setup.ts). They use only operators the local
 * Kusto endpoint also executes (where, summarize arg_max, stored-function calls), so the same queries are tested
 * here and run on Azure Data Explorer.
 */
import { assertIdentifier, cslString, kqlString } from './kql';
import { KUSTO_FOLDER } from './table-commands';

/**
 * AIR verdicts after which a person still has to act: remediation waiting for approval, threats found but not
 * (fully) remediated. "No threats found" and "Remediated" close the case without the SOC, and so does an end without
 * a verdict (Failed, Terminated by System, Terminated by throttling, Terminated By User): the pipeline ingests every
 * later update of a selected investigation, so its latest row then carries that status and it leaves this list.
 * AIR spells statuses with varying case, so they are compared with `in~`.
 */
export const VERDICTS_AWAITING_SOC = ['Pending Action', 'Threats Found', 'Partially Remediated'] as const;

export interface ShippedFunction {
  readonly name: string;
  readonly docstring: string;
  /** The function body, without braces. */
  readonly body: string;
}

export function latestInvestigationsFunctionName(table: string): string {
  return `${assertIdentifier(table, 'Table name')}LatestInvestigations`;
}

export function awaitingSocFunctionName(table: string): string {
  return `${assertIdentifier(table, 'Table name')}AwaitingSoc`;
}

/** The functions for one table, in creation order (the second calls the first). */
export function shippedFunctions(table: string): ShippedFunction[] {
  const latest = latestInvestigationsFunctionName(table);
  return [
    {
      name: latest,
      docstring:
        'Latest state of each AIR investigation: one row per InvestigationId, the update with the newest LastUpdateTimeUtc (CreationTime when absent). Terminal statuses (Failed, Terminated ...) are latest states too.',
      // AIR writes one record per investigation update; the newest one carries the current Status and Actions.
      // UpdateTime falls back to CreationTime so an update without LastUpdateTimeUtc still competes.
      body:
        `${assertIdentifier(table, 'Table name')} ` +
        `| where RecordType == 64 and isnotempty(InvestigationId) ` +
        `| extend UpdateTime = coalesce(LastUpdateTimeUtc, CreationTime) ` +
        `| summarize arg_max(UpdateTime, *) by InvestigationId`,
    },
    {
      name: awaitingSocFunctionName(table),
      docstring:
        'AIR investigations whose latest status still needs the SOC (Pending Action, Threats Found, Partially Remediated, any casing); ' +
        'an investigation AIR or an admin terminated, or that failed, is closed. Data.ProviderAlertId / AlertDisplayName name the triggering alert.',
      body: `${latest}() | where Status in~ (${VERDICTS_AWAITING_SOC.map(kqlString).join(', ')})`,
    },
  ];
}

export function createFunctionCommand(fn: ShippedFunction): string {
  return (
    `.create-or-alter function with (folder=${cslString(KUSTO_FOLDER)}, docstring=${cslString(fn.docstring)}) ` +
    `${assertIdentifier(fn.name, 'Function name')}() { ${fn.body} }`
  );
}
