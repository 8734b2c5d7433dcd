// The function identity's rights on the database. On the first run (firstRun = true) it needs Admin to create the
// table and its JSON ingestion mapping; afterwards Ingestor (to ingest) and, by default, Viewer (the app queries the
// table to skip record Ids it already ingested, src/kusto/existing-ids.ts, and for the status route's counts).
//
// The Admin/Ingestor grant keeps one resource name across both states, so redeploying with firstRun = false replaces
// the role in place instead of leaving a stale Admin assignment behind (an incremental deployment never deletes).

@description('Existing cluster name (in this deployment scope).')
param clusterName string

@description('Existing database name.')
param databaseName string

@description('Principal to grant: the user-assigned identity client id, or the system-assigned principal (object) id.')
param principalId string

@description('Entra tenant of the principal.')
param principalTenantId string

@description('true on the first deployment (Admin); false afterwards (Ingestor).')
param firstRun bool

@description('Also grant Viewer after the first run (needed for Id de-duplication queries and status counts).')
param grantViewer bool

resource cluster 'Microsoft.Kusto/clusters@2024-04-13' existing = {
  name: clusterName
}

resource database 'Microsoft.Kusto/clusters/databases@2024-04-13' existing = {
  parent: cluster
  name: databaseName
}

resource pipelineGrant 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = {
  parent: database
  name: 'o365-pipeline-app'
  properties: {
    principalId: principalId
    principalType: 'App'
    role: firstRun ? 'Admin' : 'Ingestor'
    tenantId: principalTenantId
  }
}

resource viewerGrant 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = if (!firstRun && grantViewer) {
  parent: database
  name: 'o365-pipeline-app-viewer'
  properties: {
    principalId: principalId
    principalType: 'App'
    role: 'Viewer'
    tenantId: principalTenantId
  }
  dependsOn: [
    pipelineGrant
  ]
}

output role string = pipelineGrant.properties.role
