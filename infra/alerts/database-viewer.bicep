// Viewer on the pipeline's Kusto database for the identity the alert rules run their adx() queries as. Deployed in
// the cluster's resource group (which may differ from the rest of the deployment), hence a module of its own.

@description('Existing cluster name (in this deployment scope).')
param clusterName string

@description('Existing database name.')
param databaseName string

@description('Client (application) id of the user-assigned identity the alert rules use.')
param principalClientId string

@description('Entra tenant of the principal.')
param principalTenantId string

resource cluster 'Microsoft.Kusto/clusters@2024-04-13' existing = {
  name: clusterName
}

resource database 'Microsoft.Kusto/clusters/databases@2024-04-13' existing = {
  parent: cluster
  name: databaseName
}

resource viewer 'Microsoft.Kusto/clusters/databases/principalAssignments@2024-04-13' = {
  parent: database
  name: 'o365-pipeline-alerts-viewer'
  properties: {
    principalId: principalClientId
    principalType: 'App'
    role: 'Viewer'
    tenantId: principalTenantId
  }
}
