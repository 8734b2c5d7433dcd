// Azure Data Explorer: a new cluster and database, or an existing pair (createCluster = false). Deployed at the
// cluster's resource group scope by main.bicep, so an existing cluster can live in another resource group.
// The table and its ingestion mapping are not created here: the app creates them on its first run
// (`.create-merge table`, derived from src/kusto/schema.ts), which is why it holds Admin on that run.

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

@description('Enable streaming ingestion on a new cluster (cluster setting) and on the database (policy).')
param enableStreamingIngest bool

@description('Soft-delete (retention) period of a new database, ISO 8601 duration.')
param softDeletePeriod string

@description('Hot-cache period of a new database, ISO 8601 duration.')
param hotCachePeriod string

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
    publicNetworkAccess: 'Enabled'
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

// The database-level policy lets the app's streaming ingestion land on any table in the database, including the
// table it creates on its first run. On an existing cluster, streaming must already be enabled on the cluster.
resource streamingPolicy 'Microsoft.Kusto/clusters/databases/scripts@2024-04-13' = if (createCluster && enableStreamingIngest) {
  parent: newDatabase
  name: 'enable-streaming-ingestion'
  properties: {
    scriptContent: '.alter database ["${databaseName}"] policy streamingingestion enable'
    continueOnErrors: false
  }
}

output clusterName string = clusterName
output clusterUri string = createCluster ? newCluster.properties.uri : existingCluster.properties.uri
output dataIngestionUri string = createCluster
  ? newCluster.properties.dataIngestionUri
  : existingCluster.properties.dataIngestionUri
output databaseName string = databaseName
