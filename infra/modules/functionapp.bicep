// The function app: a Linux plan (Flex Consumption by default, Elastic Premium by parameter), Node 22, a managed
// identity, and app settings named exactly as src/config.ts reads them. test/infra checks that names
// written here and names the code reads agree.
//
// Storage is identity-based everywhere (AzureWebJobsStorage__accountName + __credential, no connection string). The
// one exception is Elastic Premium's Azure Files content share, which only supports an account-key connection string.

@description('Azure region for the plan and the app.')
param location string

@description('Tags applied to every resource (the app also carries the azd service tag).')
param tags object

@description('Service name in azure.yaml; azd finds the app to deploy to by this tag.')
param azdServiceName string

@description('Function app name (also the default host name prefix).')
param name string

@description('Hosting plan name.')
param planName string

@description('FlexConsumption (pay per execution, scales to zero) or ElasticPremium (always-warm instances).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@description('Elastic Premium SKU when hostingPlan is ElasticPremium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param elasticPremiumSku string

@description('Upper bound on instances (Flex: maximumInstanceCount; Premium: maximumElasticWorkerCount).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('UserAssigned (identityResourceId/identityClientId given) or SystemAssigned.')
@allowed([
  'UserAssigned'
  'SystemAssigned'
])
param identityType string

@description('Resource id of the user-assigned identity; empty with SystemAssigned.')
param identityResourceId string

@description('Client id of the user-assigned identity; empty with SystemAssigned.')
param identityClientId string

@description('Storage account for AzureWebJobsStorage (task hub, archive) and the Flex deployment package.')
param storageAccountName string

@description('Blob container holding the Flex deployment package; ignored on Elastic Premium.')
param deploymentContainerName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Entra tenant whose audit content is collected (O365_TENANT_ID).')
param o365TenantId string

@description('clientSecret: app registration + secret in Key Vault; managedIdentity: the app identity holds the API app role.')
@allowed([
  'clientSecret'
  'managedIdentity'
])
param o365AuthMode string

@description('App registration (client) id, with o365AuthMode clientSecret.')
param o365ClientId string

@description('Key Vault name holding the client secret, with o365AuthMode clientSecret.')
param keyVaultName string

@description('Key Vault URI (KEY_VAULT_URL), with o365AuthMode clientSecret.')
param keyVaultUri string

@description('Name of the client secret in the vault.')
param o365ClientSecretName string

@description('Microsoft 365 cloud of the tenant (O365_CLOUD).')
param o365Cloud string

@description('Entra authority host (O365_LOGIN_URL); differs in sovereign clouds.')
param o365LoginUrl string

@description('Management Activity API root (O365_API_URL); differs for GCC High / DoD / 21Vianet.')
param o365ApiUrl string

@description('Comma-separated content types (O365_CONTENT_TYPES).')
param o365ContentTypes string

@description('Kusto cluster query URI (KUSTO_CLUSTER_URL).')
param kustoClusterUrl string

@description('Kusto cluster ingestion URI (KUSTO_INGEST_URL).')
param kustoIngestUrl string

@description('Kusto database (KUSTO_DATABASE).')
param kustoDatabase string

@description('Kusto table (KUSTO_TABLE).')
param kustoTable string

@description('Kusto telemetry table, one row per window run (KUSTO_TELEMETRY_TABLE).')
param kustoTelemetryTable string

@description('queued or streaming (KUSTO_INGESTION_MODE); streaming needs the cluster and database policy enabled.')
@allowed([
  'queued'
  'streaming'
])
param kustoIngestionMode string

@description('Archive blob container (ARCHIVE_CONTAINER).')
param archiveContainerName string

@description('Window length in minutes (PIPELINE_WINDOW_MINUTES).')
@minValue(1)
@maxValue(1440)
param pipelineWindowMinutes int

@description('First window start when no checkpoint exists (PIPELINE_START_FROM, ISO 8601); empty = not written.')
param pipelineStartFrom string

@description('Alert rules, inline JSON or a path (ALERT_RULES); empty = not written (the default rule set applies).')
param alertRules string

@description('Use the Durable Task Scheduler backend instead of Azure Storage.')
param useDurableTaskScheduler bool

@description('Durable Task Scheduler endpoint; empty when not used.')
param durableTaskSchedulerEndpoint string

@description('Durable Task Scheduler task hub name; empty when not used.')
param durableTaskHubName string

@description('Subnet for regional VNet integration (publicNetworkAccess Disabled); empty = no integration.')
param appSubnetId string

var isFlex = hostingPlan == 'FlexConsumption'
var isUserAssigned = identityType == 'UserAssigned'
var hasVnet = !empty(appSubnetId)
// The Node.js major version the app runs on (and that CI tests on).
var nodeVersion = '22'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: elasticPremiumSku
        tier: 'ElasticPremium'
        family: 'EP'
      }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : maximumInstanceCount
  }
}

// Settings the host and platform read (not src/config.ts). Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION (the runtime is functionAppConfig.runtime), so they are written for Premium only.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: isUserAssigned
    ? 'ClientId=${identityClientId};Authorization=AAD'
    : 'Authorization=AAD'
}
// AZURE_CLIENT_ID makes DefaultAzureCredential (Key Vault, archive blobs) pick the user-assigned identity: with only a
// user-assigned identity, the managed identity endpoint needs to be told which one.
var userAssignedSettings = isUserAssigned
  ? {
      AZURE_CLIENT_ID: identityClientId
      AzureWebJobsStorage__clientId: identityClientId
      KUSTO_MANAGED_IDENTITY_CLIENT_ID: identityClientId
    }
  : {}
var premiumSettings = isFlex
  ? {}
  : {
      FUNCTIONS_EXTENSION_VERSION: '~4'
      FUNCTIONS_WORKER_RUNTIME: 'node'
      WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'
      WEBSITE_CONTENTSHARE: toLower(name)
    }

// The app's own settings (src/config.ts).
var pipelineSettings = {
  O365_TENANT_ID: o365TenantId
  O365_CLOUD: o365Cloud
  O365_LOGIN_URL: o365LoginUrl
  O365_API_URL: o365ApiUrl
  O365_CONTENT_TYPES: o365ContentTypes
  KUSTO_CLUSTER_URL: kustoClusterUrl
  KUSTO_INGEST_URL: kustoIngestUrl
  KUSTO_DATABASE: kustoDatabase
  KUSTO_TABLE: kustoTable
  KUSTO_TELEMETRY_TABLE: kustoTelemetryTable
  KUSTO_INGESTION_MODE: kustoIngestionMode
  ARCHIVE_CONTAINER: archiveContainerName
  PIPELINE_WINDOW_MINUTES: string(pipelineWindowMinutes)
}
// clientSecret: O365_CLIENT_SECRET is a Key Vault reference the platform resolves with the app identity, so the
// secret never sits in app settings or in deployment history. managedIdentity: the token comes from the app identity.
var o365AuthSettings = o365AuthMode == 'clientSecret'
  ? {
      O365_CLIENT_ID: o365ClientId
      KEY_VAULT_URL: keyVaultUri
      O365_CLIENT_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${o365ClientSecretName})'
    }
  : isUserAssigned
      ? {
          O365_MANAGED_IDENTITY_CLIENT_ID: identityClientId
        }
      : {}
var startFromSettings = empty(pipelineStartFrom)
  ? {}
  : {
      PIPELINE_START_FROM: pipelineStartFrom
    }
var alertRuleSettings = empty(alertRules)
  ? {}
  : {
      ALERT_RULES: alertRules
    }

// host.json names the Azure Storage backend; these override it (AzureFunctionsJobHost__ settings take precedence
// over host.json) so the same package runs on either backend.
var durableTaskSchedulerSettings = useDurableTaskScheduler
  ? {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: isUserAssigned
        ? 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
        : 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity'
      AzureFunctionsJobHost__extensions__durableTask__hubName: durableTaskHubName
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
    }
  : {}

var appSettings = union(
  hostSettings,
  userAssignedSettings,
  premiumSettings,
  pipelineSettings,
  o365AuthSettings,
  startFromSettings,
  alertRuleSettings,
  durableTaskSchedulerSettings
)

var flexFunctionAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
      authentication: isUserAssigned
        ? {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        : {
            type: 'SystemAssignedIdentity'
          }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  runtime: {
    name: 'node'
    version: nodeVersion
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': azdServiceName
  })
  kind: 'functionapp,linux'
  identity: isUserAssigned
    ? {
        type: 'UserAssigned'
        userAssignedIdentities: {
          '${identityResourceId}': {}
        }
      }
    : {
        type: 'SystemAssigned'
      }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: isUserAssigned ? identityResourceId : 'SystemAssigned'
    functionAppConfig: isFlex ? flexFunctionAppConfig : null
    // With VNet integration all outbound traffic (private endpoints, Key Vault references, and the public Office 365
    // API through the network's NAT gateway) leaves through the app subnet. Flex Consumption always routes all
    // traffic through an integrated network; Elastic Premium needs route-all turned on, and its content share too.
    virtualNetworkSubnetId: hasVnet ? appSubnetId : null
    vnetRouteAllEnabled: hasVnet && !isFlex
    vnetContentShareEnabled: hasVnet && !isFlex
    siteConfig: isFlex
      ? {
          minTlsVersion: '1.2'
          ftpsState: 'Disabled'
        }
      : {
          linuxFxVersion: 'Node|${nodeVersion}'
          minTlsVersion: '1.2'
          ftpsState: 'Disabled'
          alwaysOn: false
        }
  }
}

resource siteAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
output systemAssignedPrincipalId string = isUserAssigned ? '' : site.identity.principalId
