// One storage account holds the Durable Functions task hub (queues, tables, lease blobs), the raw/selected archive
// (AzureWebJobsStorage serves both Durable Functions and the archive) and, on Flex Consumption, the deployment package.
// Public blob access is off; shared-key access is off unless the hosting plan needs an Azure Files content share
// (Elastic Premium), because every other client here authenticates with the managed identity.

@description('Azure region for the account.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Storage account name (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Redundancy. The archive access tier needs LRS, GRS or RA-GRS; ZRS accounts skip the archive tier.')
@allowed([
  'Standard_LRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_ZRS'
])
param skuName string

@description('Allow account-key (shared key) authorization; only Elastic Premium content shares need it.')
param allowSharedKeyAccess bool

@description('Blob container for raw content, quarantine, checkpoints and ledgers (ARCHIVE_CONTAINER).')
param archiveContainerName string

@description('Blob container Flex Consumption deploys the app package to; empty = none (Elastic Premium).')
param deploymentContainerName string

@description('Move raw and quarantined blobs to the cool tier this many days after they were written; 0 = never.')
@minValue(0)
param coolAfterDays int

@description('Move raw and quarantined blobs to the archive tier after this many days; 0 = never. Must exceed coolAfterDays.')
@minValue(0)
param archiveAfterDays int

@description('Delete raw and quarantined blobs after this many days; 0 = keep forever.')
@minValue(0)
param deleteAfterDays int

@description('Tamper-evident archive: version-level immutability on the archive container with a time-based default policy, so no blob version can be changed or deleted for immutabilityDays. Needs blob versioning, which this turns on.')
param immutable bool

@description('Days each archive blob version stays write-once when immutable is true.')
@minValue(1)
param immutabilityDays int

@description('Enabled or Disabled; Disabled denies every public request (the app then uses private endpoints).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      // Deny everything that is not a private endpoint when public access is off; trusted Azure services (e.g. the
      // Flex Consumption deployment service) keep their documented exception.
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Version-level immutability protects versions, so overwriting a state/ document (checkpoints, ledgers) is still
    // allowed: it creates a new current version and the old one stays, immutable, until its retention ends.
    isVersioningEnabled: immutable
  }
}

resource archiveContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: archiveContainerName
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: immutable
      ? {
          enabled: true
        }
      : null
  }
}

// The container's default version-level policy: every version written is locked for immutabilityDays from its
// creation. Left unlocked (its period can still be extended or the policy removed by an account owner); lock it with
// `az storage container immutability-policy lock` for regulatory WORM.
resource archiveImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if (immutable) {
  parent: archiveContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: immutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (!empty(deploymentContainerName)) {
  parent: blobService
  name: empty(deploymentContainerName) ? 'unused' : deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Only raw/ and quarantine/ age out: state/ (checkpoints, ledgers, pending correlation) must stay hot and must never
// be deleted, or the pipeline would lose its place. See src/archive/names.ts for the naming scheme.
var archivedPrefixes = [
  '${archiveContainerName}/raw/'
  '${archiveContainerName}/quarantine/'
]
var tierToCool = coolAfterDays > 0 ? { tierToCool: { daysAfterModificationGreaterThan: coolAfterDays } } : {}
// Zone-redundant accounts have no archive tier; their raw archive stays cool until deleted.
var supportsArchiveTier = !contains(skuName, 'ZRS')
var tierToArchive = archiveAfterDays > 0 && supportsArchiveTier ? { tierToArchive: { daysAfterModificationGreaterThan: archiveAfterDays } } : {}
var deleteBlob = deleteAfterDays > 0 ? { delete: { daysAfterModificationGreaterThan: deleteAfterDays } } : {}
var baseBlobActions = union(tierToCool, tierToArchive, deleteBlob)
var ageOutRule = {
  name: 'age-out-raw-archive'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: archivedPrefixes
    }
    actions: {
      baseBlob: baseBlobActions
    }
  }
}
// With versioning on, every overwrite keeps the old version: delete previous versions once their immutability has
// ended (a day later), so checkpoints and ledgers rewritten every window do not accumulate forever.
var expireVersionsRule = {
  name: 'expire-previous-versions'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
    }
    actions: {
      version: {
        delete: {
          daysAfterCreationGreaterThan: immutabilityDays + 1
        }
      }
    }
  }
}
var lifecycleRules = concat(empty(baseBlobActions) ? [] : [ageOutRule], immutable ? [expireVersionsRule] : [])

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (!empty(lifecycleRules)) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: lifecycleRules
    }
  }
  dependsOn: [
    archiveContainer
  ]
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output archiveContainerName string = archiveContainer.name
