// o365-alert-pipeline: everything one `azd up` (or `az deployment group create`) needs, in one resource group.
// Modules each create one concern; this file only names things and wires outputs to inputs.
//
// API versions (newest GA versions with every property used here, as of 2026-11):
//   Microsoft.Web 2024-04-01 (functionAppConfig for Flex Consumption), Microsoft.Storage 2023-05-01,
//   Microsoft.KeyVault 2023-07-01, Microsoft.OperationalInsights 2023-09-01, Microsoft.Insights/components 2020-02-02,
//   Microsoft.ManagedIdentity 2023-01-31, Microsoft.Authorization/roleAssignments 2022-04-01,
//   Microsoft.Kusto 2024-04-13, Microsoft.DurableTask 2025-11-01 (first GA version of the scheduler),
//   Microsoft.Network 2024-05-01 (private DNS zones 2024-06-01).
// `npm run infra:build` compiles and lints this with the Bicep CLI; test/infra checks the compiled JSON.
targetScope = 'resourceGroup'

// ---- naming and placement ----

@description('azd environment name; seeds resource names so several environments coexist in one subscription.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every new resource.')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

@description('dev: cheapest settings that still run the pipeline. prod: protective defaults (the raw archive is tamper-evident; see archiveImmutabilityDays).')
@allowed([
  'dev'
  'prod'
])
param environmentProfile string = 'dev'

@description('Enabled: Storage, Key Vault and a new Kusto cluster answer on their public endpoints (Entra auth still required). Disabled: public access is off on all three, the app reaches them through private endpoints in a new virtual network (the function app joins it by VNet integration).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Address space of the virtual network created when publicNetworkAccess is Disabled.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Object id of the principal that runs the deployment (azd sets AZURE_PRINCIPAL_ID). It becomes Admin of the Kusto database so the provisioning hooks can create the tables; empty = no deployer grant.')
param deployerPrincipalId string = ''

@description('Kind of the deploying principal: User (a person running azd) or ServicePrincipal / App (a pipeline).')
@allowed([
  'User'
  'ServicePrincipal'
  'App'
  'Group'
])
param deployerPrincipalType string = 'User'

// ---- hosting ----

@description('FlexConsumption (default: pay per execution, scales to zero, no shared keys) or ElasticPremium.')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Elastic Premium SKU, used when hostingPlan is ElasticPremium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param elasticPremiumSku string = 'EP1'

@description('Maximum instances the plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption instance memory (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('UserAssigned (default: roles exist before the app starts) or SystemAssigned.')
@allowed([
  'UserAssigned'
  'SystemAssigned'
])
param identityType string = 'UserAssigned'

// ---- Office 365 ----

@description('Entra tenant whose audit content is collected (O365_TENANT_ID); empty = the deployment tenant.')
param o365TenantId string = ''

@description('clientSecret: an app registration with ActivityFeed.Read, secret in Key Vault. managedIdentity: the app identity holds the Office 365 Management APIs app role, no secret at all.')
@allowed([
  'clientSecret'
  'managedIdentity'
])
param o365AuthMode string = 'clientSecret'

@description('App registration (client) id, with o365AuthMode clientSecret (O365_CLIENT_ID).')
param o365ClientId string = ''

@description('Client secret to store in Key Vault now; empty = set it later with az keyvault secret set.')
@secure()
param o365ClientSecret string = ''

@description('Name of the Key Vault secret holding the client secret.')
param o365ClientSecretName string = 'o365-client-secret'

@description('Comma-separated content types (O365_CONTENT_TYPES). AIR and alert records are in Audit.General.')
param o365ContentTypes string = 'Audit.General'

@description('Microsoft 365 cloud of the tenant (O365_CLOUD): picks the login authority and the Management API host.')
@allowed(['Commercial', 'GCC', 'GCCHigh', 'DoD'])
param o365Cloud string = 'Commercial'

@description('Entra authority host (O365_LOGIN_URL); empty = the one of o365Cloud.')
param o365LoginUrl string = ''

@description('Management Activity API root (O365_API_URL); empty = the one of o365Cloud.')
param o365ApiUrl string = ''

// ---- Azure Data Explorer ----

@description('true: create a cluster and database; false: use the existing cluster and database named below.')
param createKustoCluster bool = true

@description('Cluster name; empty = generated (new clusters only).')
param kustoClusterName string = ''

@description('Resource group of an existing cluster (createKustoCluster = false); empty = this resource group.')
param kustoResourceGroupName string = ''

@description('Database name (KUSTO_DATABASE).')
param kustoDatabaseName string = 'O365'

@description('Table name (KUSTO_TABLE); the provisioning hook creates it (the app holds no Admin right).')
param kustoTableName string = 'O365SecurityAlerts'

@description('SKU of a new cluster.')
param kustoSkuName string = 'Dev(No SLA)_Standard_E2a_v4'

@description('Tier of a new cluster: Basic for Dev(No SLA) SKUs, Standard otherwise.')
@allowed([
  'Basic'
  'Standard'
])
param kustoSkuTier string = 'Basic'

@description('Instance count of a new cluster.')
@minValue(1)
param kustoCapacity int = 1

@description('Streaming ingestion (seconds to queryable) instead of queued ingestion (minutes, cheaper per row).')
param kustoStreamingIngestion bool = false

@description('Retention of a new database (ISO 8601 duration).')
param kustoSoftDeletePeriod string = 'P365D'

@description('Hot cache of a new database (ISO 8601 duration).')
param kustoHotCachePeriod string = 'P31D'

// ---- storage and archive ----

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_ZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Archive container (ARCHIVE_CONTAINER).')
param archiveContainerName string = 'o365-archive'

@description('Raw archive moves to the cool tier after this many days (0 = never).')
@minValue(0)
param archiveCoolAfterDays int = 30

@description('Raw archive moves to the archive tier after this many days (0 = never; must exceed the cool days).')
@minValue(0)
param archiveArchiveAfterDays int = 90

@description('Raw archive is deleted after this many days (0 = keep forever; otherwise keep it at least archiveImmutabilityDays).')
@minValue(0)
param archiveDeleteAfterDays int = 730

@description('Make the archive container tamper-evident: every blob version is write-once for archiveImmutabilityDays (version-level WORM). On by default with environmentProfile prod. Can only be turned on when the container is created.')
param archiveImmutable bool = environmentProfile == 'prod'

@description('Days each archived blob version stays immutable when archiveImmutable is true.')
@minValue(1)
@maxValue(146000)
param archiveImmutabilityDays int = 365

// ---- pipeline ----

@description('Window length in minutes (PIPELINE_WINDOW_MINUTES).')
@minValue(1)
@maxValue(1440)
param pipelineWindowMinutes int = 60

@description('First window start when no checkpoint exists (PIPELINE_START_FROM, ISO 8601 UTC); empty = now minus one window.')
param pipelineStartFrom string = ''

@description('Alert rules as inline JSON (ALERT_RULES); empty = the default AIR-processed user-reported phish rules.')
param alertRules string = ''

// ---- Durable backend and monitoring ----

@description('Use the Durable Task Scheduler instead of the Azure Storage backend.')
param useDurableTaskScheduler bool = false

@description('Durable Task Scheduler SKU.')
@allowed([
  'Consumption'
  'Dedicated'
])
param durableTaskSchedulerSku string = 'Consumption'

@description('Task hub name; matches host.json hubName.')
param taskHubName string = 'O365AlertPipeline'

@description('Log Analytics retention in days.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

// ---- alerts (modules/alerts.bicep) ----

@description('E-mail address Azure Monitor alerts go to (lag, a window failing repeatedly, parked blobs near expiry, data loss); empty = no alert rules.')
param alertEmail string = ''

@description('Webhook the alerts also call (common alert schema); empty = e-mail only.')
@secure()
param alertWebhookUrl string = ''

@description('Lag alert: the checkpoint is more than this many windows behind now.')
@minValue(1)
param alertLagWindows int = 3

@description('Failing-window alert: one window failed this many times in a day without completing.')
@minValue(1)
param alertFailuresPerWindow int = 3

@description('Parked-blob alert: a parked blob reaches its expiration within this many hours.')
@minValue(1)
param alertParkedExpiryHours int = 24

@description('Telemetry table (KUSTO_TELEMETRY_TABLE) the alert rules read.')
param kustoTelemetryTableName string = 'O365PipelineRuns'

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var resolvedO365TenantId = empty(o365TenantId) ? tenant().tenantId : o365TenantId
var isFlex = hostingPlan == 'FlexConsumption'
var isUserAssigned = identityType == 'UserAssigned'
var usesKeyVault = o365AuthMode == 'clientSecret'
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = isFlex ? 'app-package-${resourceToken}' : ''
var resolvedKustoClusterName = empty(kustoClusterName) ? 'adx${resourceToken}' : kustoClusterName
var resolvedKustoResourceGroup = empty(kustoResourceGroupName) ? resourceGroup().name : kustoResourceGroupName
var isPrivate = publicNetworkAccess == 'Disabled'
// The hosts of each Microsoft 365 cloud (the same table as src/o365/clouds.ts); explicit URLs win.
var o365Clouds = {
  // The Microsoft 365 tenant's cloud, not the Azure cloud this is deployed to (a GCC tenant is often collected from
  // commercial Azure): environment() cannot give these hosts.
  #disable-next-line no-hardcoded-env-urls // Microsoft 365 cloud host, independent of the deployment's Azure cloud
  Commercial: { api: 'https://manage.office.com', login: 'https://login.microsoftonline.com' }
  #disable-next-line no-hardcoded-env-urls // Microsoft 365 cloud host, independent of the deployment's Azure cloud
  GCC: { api: 'https://manage-gcc.office.com', login: 'https://login.microsoftonline.com' }
  GCCHigh: { api: 'https://manage.office365.us', login: 'https://login.microsoftonline.us' }
  DoD: { api: 'https://manage.protection.apps.mil', login: 'https://login.microsoftonline.us' }
}
var resolvedO365LoginUrl = !empty(o365LoginUrl) ? o365LoginUrl : o365Clouds[o365Cloud].login
var resolvedO365ApiUrl = !empty(o365ApiUrl) ? o365ApiUrl : o365Clouds[o365Cloud].api
// Kusto names a service principal 'App'.
var kustoPrincipalTypes = {
  User: 'User'
  ServicePrincipal: 'App'
  App: 'App'
  Group: 'Group'
}
// Private DNS zone of a new cluster's private endpoint: privatelink.<region>.<the cloud's Kusto suffix>.
var kustoDnsSuffix = environment().name == 'AzureUSGovernment'
  ? 'kusto.usgovcloudapi.net'
  : environment().name == 'AzureChinaCloud' ? 'kusto.chinacloudapi.cn' : 'kusto.windows.net'
var kustoPrivateDnsZone = 'privatelink.${location}.${kustoDnsSuffix}'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    workspaceName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    retentionInDays: logRetentionDays
  }
}

// Only with publicNetworkAccess Disabled: the virtual network, its subnets and the private DNS zones the private
// endpoints register in.
module network 'modules/network.bicep' = if (isPrivate) {
  name: 'network'
  params: {
    location: location
    tags: allTags
    name: 'vnet-${resourceToken}'
    addressPrefix: vnetAddressPrefix
    appSubnetDelegation: isFlex ? 'Microsoft.App/environments' : 'Microsoft.Web/serverFarms'
    includeFileZone: !isFlex
    kustoZoneName: createKustoCluster ? kustoPrivateDnsZone : ''
  }
}

module userIdentity 'modules/identity.bicep' = if (isUserAssigned) {
  name: 'identity'
  params: {
    location: location
    tags: allTags
    name: 'id-${resourceToken}'
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: allTags
    name: 'st${resourceToken}'
    skuName: storageSkuName
    allowSharedKeyAccess: !isFlex
    archiveContainerName: archiveContainerName
    deploymentContainerName: deploymentContainerName
    coolAfterDays: archiveCoolAfterDays
    archiveAfterDays: archiveArchiveAfterDays
    deleteAfterDays: archiveDeleteAfterDays
    immutable: archiveImmutable
    immutabilityDays: archiveImmutabilityDays
    publicNetworkAccess: publicNetworkAccess
  }
}

module keyVault 'modules/keyvault.bicep' = if (usesKeyVault) {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    name: 'kv-${resourceToken}'
    secretName: o365ClientSecretName
    secretValue: o365ClientSecret
    publicNetworkAccess: publicNetworkAccess
  }
}

module kusto 'modules/kusto.bicep' = {
  name: 'kusto'
  scope: resourceGroup(resolvedKustoResourceGroup)
  params: {
    location: location
    tags: allTags
    createCluster: createKustoCluster
    clusterName: resolvedKustoClusterName
    databaseName: kustoDatabaseName
    skuName: kustoSkuName
    skuTier: kustoSkuTier
    capacity: kustoCapacity
    enableStreamingIngest: kustoStreamingIngestion
    softDeletePeriod: kustoSoftDeletePeriod
    hotCachePeriod: kustoHotCachePeriod
    publicNetworkAccess: publicNetworkAccess
  }
}

module durableTask 'modules/durabletask.bicep' = if (useDurableTaskScheduler) {
  name: 'durabletask'
  params: {
    location: location
    tags: allTags
    name: 'dts-${resourceToken}'
    taskHubName: taskHubName
    skuName: durableTaskSchedulerSku
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    tags: allTags
    azdServiceName: 'pipeline'
    name: functionAppName
    planName: 'plan-${resourceToken}'
    hostingPlan: hostingPlan
    elasticPremiumSku: elasticPremiumSku
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    identityType: identityType
    identityResourceId: isUserAssigned ? userIdentity!.outputs.id : ''
    identityClientId: isUserAssigned ? userIdentity!.outputs.clientId : ''
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    o365TenantId: resolvedO365TenantId
    o365AuthMode: o365AuthMode
    o365ClientId: o365ClientId
    keyVaultName: usesKeyVault ? keyVault!.outputs.name : ''
    keyVaultUri: usesKeyVault ? keyVault!.outputs.uri : ''
    o365ClientSecretName: o365ClientSecretName
    o365Cloud: o365Cloud
    o365LoginUrl: resolvedO365LoginUrl
    o365ApiUrl: resolvedO365ApiUrl
    kustoTelemetryTable: kustoTelemetryTableName
    o365ContentTypes: o365ContentTypes
    kustoClusterUrl: kusto.outputs.clusterUri
    kustoIngestUrl: kusto.outputs.dataIngestionUri
    kustoDatabase: kusto.outputs.databaseName
    kustoTable: kustoTableName
    kustoIngestionMode: kustoStreamingIngestion ? 'streaming' : 'queued'
    archiveContainerName: storage.outputs.archiveContainerName
    pipelineWindowMinutes: pipelineWindowMinutes
    pipelineStartFrom: pipelineStartFrom
    alertRules: alertRules
    useDurableTaskScheduler: useDurableTaskScheduler
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTask!.outputs.endpoint : ''
    durableTaskHubName: useDurableTaskScheduler ? durableTask!.outputs.taskHubName : ''
    appSubnetId: isPrivate ? network!.outputs.appSubnetId : ''
  }
}

var appPrincipalId = isUserAssigned
  ? userIdentity!.outputs.principalId
  : functionApp.outputs.systemAssignedPrincipalId

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: appPrincipalId
    storageAccountName: storage.outputs.name
    keyVaultName: usesKeyVault ? keyVault!.outputs.name : ''
    appInsightsName: monitoring.outputs.appInsightsName
    durableTaskSchedulerName: useDurableTaskScheduler ? durableTask!.outputs.name : ''
  }
}

// Kusto resolves an App principal by its application (client) id or by its service principal object id; the
// system-assigned identity exposes only the object id to ARM, so that is what it gets. The app holds Ingestor +
// Viewer; the deploying principal holds Admin so the provisioning hook can create and alter the tables.
module kustoAccess 'modules/kusto-access.bicep' = {
  name: 'kusto-access'
  scope: resourceGroup(resolvedKustoResourceGroup)
  params: {
    clusterName: kusto.outputs.clusterName
    databaseName: kusto.outputs.databaseName
    appPrincipalId: isUserAssigned ? userIdentity!.outputs.clientId : functionApp.outputs.systemAssignedPrincipalId
    principalTenantId: tenant().tenantId
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: kustoPrincipalTypes[deployerPrincipalType]
  }
}

// Private endpoints (publicNetworkAccess Disabled): the app's Durable queues, tables and blobs, the archive, the
// Key Vault reference and (new clusters) Kusto queries and ingestion all go through the virtual network.
var storagePrivateServices = isFlex ? ['blob', 'queue', 'table'] : ['blob', 'queue', 'table', 'file']
module storageEndpoints 'modules/private-endpoint.bicep' = [
  for service in storagePrivateServices: if (isPrivate) {
    name: 'pe-storage-${service}'
    params: {
      location: location
      tags: allTags
      name: 'pe-${storage.outputs.name}-${service}'
      subnetId: network!.outputs.privateEndpointSubnetId
      targetResourceId: storage.outputs.id
      groupId: service
      privateDnsZoneIds: [
        network!.outputs.zoneIds[service]
      ]
    }
  }
]

module keyVaultEndpoint 'modules/private-endpoint.bicep' = if (isPrivate && usesKeyVault) {
  name: 'pe-keyvault'
  params: {
    location: location
    tags: allTags
    name: 'pe-kv-${resourceToken}'
    subnetId: network!.outputs.privateEndpointSubnetId
    targetResourceId: keyVault!.outputs.id
    groupId: 'vault'
    privateDnsZoneIds: [
      network!.outputs.zoneIds.vault
    ]
  }
}

// A cluster's private endpoint also carries its internal storage (ingestion queues and blobs), hence four zones.
module kustoEndpoint 'modules/private-endpoint.bicep' = if (isPrivate && createKustoCluster) {
  name: 'pe-kusto'
  params: {
    location: location
    tags: allTags
    name: 'pe-${resolvedKustoClusterName}'
    subnetId: network!.outputs.privateEndpointSubnetId
    targetResourceId: kusto.outputs.clusterId
    groupId: 'cluster'
    privateDnsZoneIds: [
      network!.outputs.zoneIds.kusto
      network!.outputs.zoneIds.blob
      network!.outputs.zoneIds.queue
      network!.outputs.zoneIds.table
    ]
  }
}

module alerts 'modules/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  params: {
    location: location
    tags: allTags
    resourceToken: resourceToken
    email: alertEmail
    webhookUrl: alertWebhookUrl
    workspaceId: monitoring.outputs.workspaceId
    kustoClusterUri: kusto.outputs.clusterUri
    kustoClusterName: kusto.outputs.clusterName
    kustoResourceGroupName: resolvedKustoResourceGroup
    kustoDatabase: kusto.outputs.databaseName
    telemetryTable: kustoTelemetryTableName
    windowMinutes: pipelineWindowMinutes
    lagWindows: alertLagWindows
    failuresPerWindow: alertFailuresPerWindow
    parkedExpiryHours: alertParkedExpiryHours
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output KEY_VAULT_NAME string = usesKeyVault ? keyVault!.outputs.name : ''
output KUSTO_CLUSTER_URL string = kusto.outputs.clusterUri
output KUSTO_DATABASE string = kusto.outputs.databaseName
output KUSTO_APP_ROLES array = kustoAccess.outputs.appRoles
output KUSTO_DEPLOYER_ROLE string = kustoAccess.outputs.deployerRole
output MANAGED_IDENTITY_CLIENT_ID string = isUserAssigned ? userIdentity!.outputs.clientId : ''
output MANAGED_IDENTITY_PRINCIPAL_ID string = appPrincipalId
