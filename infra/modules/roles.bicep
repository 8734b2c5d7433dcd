// Azure RBAC for the function identity: the data-plane roles the app uses at run time, each at the narrowest scope
// that works, and nothing on the control plane. Role definition ids are the built-in ones (the same in every tenant);
// test/infra checks them against Microsoft's documented ids.
//
//   storage account   Storage Blob Data Contributor   Functions host (locks, timer state, keys), Durable Functions
//                                                     task hub blobs (leases, large messages), the archive container
//                                                     (raw content, quarantine, checkpoints, ledgers) and the Flex
//                                                     deployment package. Account scope because the host and the
//                                                     Durable extension create their containers at start-up. Not
//                                                     Owner: that adds only ACL and ownership rights, which apply to
//                                                     hierarchical-namespace accounts this is not.
//                     Storage Queue Data Contributor  Durable Functions control and work-item queues
//                     Storage Table Data Contributor  Durable Functions history and instances tables
//   Key Vault         Key Vault Secrets User          read the O365 client secret (the Key Vault reference)
//   App Insights      Monitoring Metrics Publisher    send telemetry with an Entra token (local auth is off)
//   Scheduler         Durable Task Data Contributor   only with the Durable Task Scheduler backend
//
// With the Durable Task Scheduler backend the host still uses AzureWebJobsStorage for its own blobs and the archive
// lives there, so the blob grant stays; the queue and table grants are then unused but harmless, and kept so
// switching the backend back needs no redeployment.

@description('Object (principal) id of the function identity.')
param principalId string

@description('Storage account holding the task hub and the archive.')
param storageAccountName string

@description('Key Vault to grant Secrets User on; empty = none.')
param keyVaultName string

@description('Application Insights component to grant Monitoring Metrics Publisher on.')
param appInsightsName string

@description('Durable Task Scheduler to grant Durable Task Data Contributor on; empty = none.')
param durableTaskSchedulerName string

var roleIds = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = if (!empty(keyVaultName)) {
  name: empty(keyVaultName) ? 'unused' : keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = if (!empty(durableTaskSchedulerName)) {
  name: empty(durableTaskSchedulerName) ? 'unused' : durableTaskSchedulerName
}

// Host, Durable task hub blobs, archive, Flex deployment package.
resource storageBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageBlobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Functions control and work-item queues.
resource durableQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Functions history and instances tables.
resource durableTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Reads the O365 client secret through the Key Vault reference.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultName)) {
  name: guid(vault.id, principalId, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Entra-authenticated telemetry (Application Insights local auth is off).
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Durable Task Scheduler backend: orchestration state and work items.
resource schedulerContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(durableTaskSchedulerName)) {
  name: guid(scheduler.id, principalId, roleIds.durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.durableTaskDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output assignedRoleIds array = [
  storageBlobs.properties.roleDefinitionId
  durableQueues.properties.roleDefinitionId
  durableTables.properties.roleDefinitionId
  telemetryPublisher.properties.roleDefinitionId
]
