// Optional Durable Task Scheduler backend (main.bicep deploys this module only when useDurableTaskScheduler is true).
// The app reaches it with its managed identity (Durable Task Data Contributor, granted in roles.bicep); the task hub
// name matches host.json's hubName so the same orchestration instance ids carry over.

@description('Azure region for the scheduler.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Scheduler name.')
param name string

@description('Task hub name.')
param taskHubName string

@description('Consumption (pay per operation) or Dedicated (reserved capacity units).')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: skuName == 'Dedicated'
      ? {
          name: 'Dedicated'
          capacity: 1
        }
      : {
          name: 'Consumption'
        }
    // An empty allow-list denies all traffic; access is controlled by Entra RBAC instead.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
