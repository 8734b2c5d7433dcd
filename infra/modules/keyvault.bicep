// Key Vault in RBAC mode for the Office 365 client secret. The app never reads the vault directly in this layout:
// the O365_CLIENT_SECRET app setting is a Key Vault reference that the platform resolves with the app's identity
// (Key Vault Secrets User, granted in roles.bicep). The secret value is written only when it is passed in; otherwise
// set it afterwards with `az keyvault secret set` (see the README).

@description('Azure region for the vault.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Key Vault name (3-24 letters, digits, hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Name of the secret that holds the O365 app registration client secret.')
param secretName string

@description('The client secret value; empty = create no secret version now.')
@secure()
param secretValue string

@description('Enabled or Disabled; Disabled denies every public request (the app then uses a private endpoint).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Disabled' ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(secretValue)) {
  parent: vault
  name: secretName
  properties: {
    value: secretValue
    contentType: 'Office 365 Management API client secret'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
