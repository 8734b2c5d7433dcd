// The virtual network used when publicNetworkAccess is Disabled (main.bicep deploys this module only then):
//   app subnet               the function app's outbound traffic (regional VNet integration, delegated to the plan)
//   private-endpoints subnet  private endpoints of Storage, Key Vault and a new Kusto cluster
// plus one private DNS zone per endpoint kind, linked to the network, so the service host names the app already
// uses resolve to the private addresses. The app subnet routes all outbound traffic through a NAT gateway: the
// Office 365 Management API and Entra sign-in are public endpoints, and subnets get no default outbound access.

@description('Azure region for the network.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Virtual network name.')
param name string

@description('Address space; the first /24 holds the app subnet, the second the private endpoints.')
param addressPrefix string

@description('Delegation of the app subnet: Microsoft.App/environments (Flex Consumption) or Microsoft.Web/serverFarms (Elastic Premium).')
@allowed([
  'Microsoft.App/environments'
  'Microsoft.Web/serverFarms'
])
param appSubnetDelegation string

@description('Also create the Azure Files zone (Elastic Premium keeps its content share on Azure Files).')
param includeFileZone bool

@description('Private DNS zone of a new Kusto cluster (privatelink.<region>.kusto.windows.net); empty = none.')
param kustoZoneName string

var storageSuffix = environment().suffixes.storage
// privatelink.vaultcore.azure.net in the public cloud; the same rule gives the sovereign clouds' zone.
var vaultZone = 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
var storageZones = {
  blob: 'privatelink.blob.${storageSuffix}'
  queue: 'privatelink.queue.${storageSuffix}'
  table: 'privatelink.table.${storageSuffix}'
  file: 'privatelink.file.${storageSuffix}'
}
var zoneNames = union(
  {
    blob: storageZones.blob
    queue: storageZones.queue
    table: storageZones.table
    vault: vaultZone
  },
  includeFileZone ? { file: storageZones.file } : {},
  empty(kustoZoneName) ? {} : { kusto: kustoZoneName }
)
var zoneList = items(zoneNames)

resource natIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}-nat'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
  }
}

resource nat 'Microsoft.Network/natGateways@2024-05-01' = {
  name: 'nat-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIpAddresses: [
      {
        id: natIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          natGateway: {
            id: nat.id
          }
          delegations: [
            {
              name: 'app'
              properties: {
                serviceName: appSubnetDelegation
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in zoneList: {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in zoneList: {
    parent: zones[i]
    name: '${name}-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

output id string = vnet.id
output appSubnetId string = vnet.properties.subnets[0].id
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
@description('Zone resource id by endpoint kind: blob, queue, table, vault, and file / kusto when created.')
output zoneIds object = toObject(zoneList, z => z.key, z => resourceId('Microsoft.Network/privateDnsZones', z.value))
output natPublicIp string = natIp.properties.ipAddress
