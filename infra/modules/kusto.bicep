// Azure Data Explorer: a new cluster and database, or an existing pair (createCluster = false). Deployed at the
// cluster's resource group scope by main.bicep, so an existing cluster can live in another resource group.
// Tables, mappings, functions and table policies (streaming ingestion included) are not created here: the azd
// postprovision hook applies them (src/kusto/setup.ts) as the deploying principal, which holds database Admin
// (kusto-access.bicep); the app itself only ingests and reads.

@description('Azure region for a new cluster.')
param location string

@description('Tags applied to a new cluster.')
param tags object

@description('true: create the cluster and database; false: use the existing cluster and database named below.')
param createCluster bool

@description('Cluster name (new: 4-22 lower-case letters and digits; existing: its name).')
param clusterName string

@description('Database name (KUSTO_DATABASE).')
param databaseName string

@description('Cluster SKU for a new cluster. The Dev(No SLA) SKU has one node and no SLA, fine for a single tenant.')
param skuName string

@description('Cluster tier for a new cluster: Basic for the Dev(No SLA) SKUs, Standard otherwise.')
@allowed([
  'Basic'
  'Standard'
])
param skuTier string

@description('Instance count for a new cluster (Dev SKUs: 1).')
@minValue(1)
param capacity int

@description('Enable streaming ingestion on a new cluster (cluster setting); the table policy is set by the provisioning hook.')
param enableStreamingIngest bool

@description('Soft-delete (retention) period of a new database, ISO 8601 duration.')
param softDeletePeriod string

@description('Hot-cache period of a new database, ISO 8601 duration.')
param hotCachePeriod string

@description('Public network access of a new cluster: Disabled leaves only its private endpoint. An existing cluster is not changed.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource newCluster 'Microsoft.Kusto/clusters@2024-04-13' = if (createCluster) {
  name: clusterName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
    capacity: capacity
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    enableStreamingIngest: enableStreamingIngest
    enableAutoStop: false
    publicNetworkAccess: publicNetworkAccess
    engineType: 'V3'
  }
}

resource newDatabase 'Microsoft.Kusto/clusters/databases@2024-04-13' = if (createCluster) {
  parent: newCluster
  name: databaseName
  location: location
  kind: 'ReadWrite'
  properties: {
    softDeletePeriod: softDeletePeriod
    hotCachePeriod: hotCachePeriod
  }
}

resource existingCluster 'Microsoft.Kusto/clusters@2024-04-13' existing = if (!createCluster) {
  name: clusterName
}

output clusterName string = clusterName
output clusterId string = createCluster ? newCluster.id : existingCluster.id
output clusterUri string = createCluster ? newCluster!.properties.uri : existingCluster!.properties.uri
output dataIngestionUri string = createCluster
  ? newCluster!.properties.dataIngestionUri
  : existingCluster!.properties.dataIngestionUri
output databaseName string = databaseName
