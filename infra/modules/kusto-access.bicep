// Database principal assignments:
//   the app identity      Ingestor  queued and streaming ingestion into the alerts and telemetry tables
//                         Viewer    reads: ingested-record Id de-duplication, the status route's counts and the
//                                   start-up check that the tables and mappings exist (it never creates them)
//   the deploying principal Admin   the azd postprovision hook creates and alters tables, mappings, functions and
//                                   policies (src/kusto/setup.ts); omitted when no deployer id is given
// The app never holds Admin, so a compromised app cannot drop or alter the tables it writes to.

@description('Existing cluster name (in this deployment scope).')
param clusterName string

@description('Existing database name.')
param databaseName string

@description('The app identity: the user-assigned identity client id, or the system-assigned principal (object) id.')
param appPrincipalId string

@description('Entra tenant of the principals.')
param principalTenantId string

@description('Object id of the deploying principal; empty = no Admin grant (then an existing Admin runs the setup).')
param deployerPrincipalId string

@description('Kusto principal type of the deploying principal.')
@allowed([
  'User'
  'App'
  'Group'
])
param deployerPrincipalType string

resource cluster 'Microsoft.Kusto/clusters@2024-04-13' existing = {
  name: clusterName
}

resource database 'Microsoft.Kusto/clusters/databases@2024-04-13' existing = {
  parent: cluster
  name: databaseName
}

resource appIngestor 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = {
  parent: database
  name: 'o365-pipeline-app'
  properties: {
    principalId: appPrincipalId
    principalType: 'App'
    role: 'Ingestor'
    tenantId: principalTenantId
  }
}

resource appViewer 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = {
  parent: database
  name: 'o365-pipeline-app-viewer'
  properties: {
    principalId: appPrincipalId
    principalType: 'App'
    role: 'Viewer'
    tenantId: principalTenantId
  }
  // The service applies principal assignments on one database one at a time.
  dependsOn: [
    appIngestor
  ]
}

resource deployerAdmin 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = if (!empty(deployerPrincipalId)) {
  parent: database
  name: 'o365-pipeline-deployer'
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    role: 'Admin'
    tenantId: principalTenantId
  }
  dependsOn: [
    appViewer
  ]
}

output appRoles array = [
  appIngestor.properties.role
  appViewer.properties.role
]
output deployerRole string = empty(deployerPrincipalId) ? '' : 'Admin'
