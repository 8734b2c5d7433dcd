// One private endpoint for one sub-resource (groupId) of a service, registered in the given private DNS zones so
// the service's usual host name resolves to the endpoint's private address inside the virtual network.

@description('Azure region for the endpoint (the virtual network\'s).')
param location string

@description('Tags applied to the endpoint.')
param tags object

@description('Endpoint name.')
param name string

@description('Subnet the endpoint takes an address in.')
param subnetId string

@description('Resource id of the service (storage account, key vault, Kusto cluster).')
param targetResourceId string

@description('Sub-resource: blob, queue, table, file, vault or cluster.')
param groupId string

@description('Private DNS zones the endpoint registers its address in.')
param privateDnsZoneIds array

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      for (zoneId, i) in privateDnsZoneIds: {
        name: 'zone-${i}'
        properties: {
          privateDnsZoneId: zoneId
        }
      }
    ]
  }
}

output id string = endpoint.id
