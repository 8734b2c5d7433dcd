// Azure Monitor alerts on the pipeline's telemetry table in Kusto (one row per window run): scheduled query rules
// whose queries read the table through Log Analytics' adx() cross-service function, and an action group that
// e-mails (and optionally calls a webhook). The rules run as a user-assigned identity that holds Viewer on the
// database and nothing else.
//
// Each rule's query is a shipped file under infra/alerts/ (the same text test/infra/alert-queries.test.ts runs against
// the local Kusto endpoint); placeholders __TABLE__ and the thresholds are replaced here.
//
// API versions: Microsoft.Insights/scheduledQueryRules 2023-12-01 (GA with managed identity on the rule),
// Microsoft.Insights/actionGroups 2023-01-01, Microsoft.ManagedIdentity 2023-01-31.

@description('Azure region for the rules and the identity.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Seeds resource names (the deployment\'s resource token).')
param resourceToken string

@description('Address the action group e-mails.')
param email string

@description('Webhook the action group also calls (common alert schema); empty = none.')
@secure()
param webhookUrl string = ''

@description('Log Analytics workspace the rules are scoped to (adx() queries run through it).')
param workspaceId string

@description('Kusto cluster URI, e.g. https://adxabc.westeurope.kusto.windows.net.')
param kustoClusterUri string

@description('Kusto cluster name (for the Viewer grant).')
param kustoClusterName string

@description('Resource group of the Kusto cluster.')
param kustoResourceGroupName string

@description('Kusto database holding the telemetry table.')
param kustoDatabase string

@description('Telemetry table (KUSTO_TELEMETRY_TABLE).')
param telemetryTable string

@description('Window length in minutes (PIPELINE_WINDOW_MINUTES); the lag limit is counted in windows.')
@minValue(1)
param windowMinutes int

@description('Lag rule: fire when the checkpoint is more than this many windows behind now.')
@minValue(1)
param lagWindows int = 3

@description('Failing-window rule: fire when one window failed this many times in a day without completing.')
@minValue(1)
param failuresPerWindow int = 3

@description('Parked-expiry rule: fire when a parked blob expires within this many hours.')
@minValue(1)
param parkedExpiryHours int = 24

@description('How often each rule runs (minutes); also the look-back of the data-loss rule.')
@allowed([
  5
  10
  15
  30
  60
])
param evaluationMinutes int = 15

var tableExpression = 'adx(\'${kustoClusterUri}/${kustoDatabase}\').${telemetryTable}'
var frequency = 'PT${evaluationMinutes}M'

var rules = [
  {
    name: 'lag'
    displayName: 'O365 pipeline: lag above ${lagWindows} windows'
    description: 'The live loop of a tenant and content type is more than ${lagWindows} windows of ${windowMinutes} minutes behind (stalled, stopped or failing).'
    severity: 2
    query: replace(
      replace(
        replace(loadTextContent('../alerts/lag.kql'), '__TABLE__', tableExpression),
        '__LAG_WINDOWS__',
        string(lagWindows)
      ),
      '__WINDOW_MINUTES__',
      string(windowMinutes)
    )
  }
  {
    name: 'failing-window'
    displayName: 'O365 pipeline: a window failed ${failuresPerWindow} times'
    description: 'One window failed ${failuresPerWindow} times or more in the last day and has not completed since.'
    severity: 2
    query: replace(
      replace(loadTextContent('../alerts/failing-window.kql'), '__TABLE__', tableExpression),
      '__FAILURES__',
      string(failuresPerWindow)
    )
  }
  {
    name: 'parked-expiry'
    displayName: 'O365 pipeline: parked blobs expire within ${parkedExpiryHours} hours'
    description: 'Parked content blobs reach their contentExpiration within ${parkedExpiryHours} hours; after that they are data loss.'
    severity: 2
    query: replace(
      replace(loadTextContent('../alerts/parked-expiry.kql'), '__TABLE__', tableExpression),
      '__EXPIRY_HOURS__',
      string(parkedExpiryHours)
    )
  }
  {
    name: 'data-loss'
    displayName: 'O365 pipeline: data loss'
    description: 'A run recorded content the Management Activity API no longer serves (expired blobs or an unlistable range).'
    severity: 1
    query: replace(
      replace(loadTextContent('../alerts/data-loss.kql'), '__TABLE__', tableExpression),
      '__LOOKBACK_MINUTES__',
      string(evaluationMinutes)
    )
  }
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-alerts-${resourceToken}'
  location: location
  tags: tags
}

module viewer '../alerts/database-viewer.bicep' = {
  name: 'alerts-kusto-viewer'
  scope: resourceGroup(kustoResourceGroupName)
  params: {
    clusterName: kustoClusterName
    databaseName: kustoDatabase
    principalClientId: identity.properties.clientId
    principalTenantId: tenant().tenantId
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-o365-pipeline-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'o365pipe'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: empty(webhookUrl)
      ? []
      : [
          {
            name: 'webhook'
            serviceUri: webhookUrl
            useCommonAlertSchema: true
          }
        ]
  }
}

resource rule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for r in rules: {
    name: 'o365-pipeline-${r.name}-${resourceToken}'
    location: location
    tags: tags
    kind: 'LogAlert'
    identity: {
      type: 'UserAssigned'
      userAssignedIdentities: {
        '${identity.id}': {}
      }
    }
    properties: {
      displayName: r.displayName
      description: r.description
      severity: r.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: frequency
      windowSize: frequency
      criteria: {
        allOf: [
          {
            query: r.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            dimensions: [
              {
                name: 'TenantId'
                operator: 'Include'
                values: [
                  '*'
                ]
              }
              {
                name: 'ContentType'
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      // The Viewer grant may not have reached the cluster when the rule is created; the query is checked when it runs.
      skipQueryValidation: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
    dependsOn: [
      viewer
    ]
  }
]

output actionGroupId string = actionGroup.id
output ruleNames array = [for (r, i) in rules: rule[i].name]
output identityClientId string = identity.properties.clientId
