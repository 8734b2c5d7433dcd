// User-assigned managed identity for the function app. Preferred over system-assigned: it exists before the app,
// so every role and the Kusto principal assignment are in place before the first instance starts, and its client
// id (which the Kusto principal assignment and AzureWebJobsStorage__clientId need) is known at deployment time.

@description('Azure region for the identity.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Managed identity name.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
