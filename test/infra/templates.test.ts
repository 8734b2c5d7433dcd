/**
 * The compiled template (ARM JSON written by the Bicep compiler, see scripts/infra-build.ts), evaluated for the
 * configurations a user can choose: which resources it creates, with which API versions, and the hardening settings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allResources,
  declaredResources,
  deploy,
  findModule,
  loadCompiledTemplate,
  moduleNames,
  type DeployedResource,
  type Deployment,
} from './arm';

const template = loadCompiledTemplate();
const base = { environmentName: 'test' };

function one(d: Deployment, type: string, nameEnds = ''): DeployedResource {
  const found = allResources(d).filter((r) => r.type === type && r.name.endsWith(nameEnds));
  assert.equal(found.length, 1, `exactly one ${type}${nameEnds ? ` named *${nameEnds}` : ''}`);
  return found[0];
}
const types = (d: Deployment): string[] => [...new Set(allResources(d).map((r) => r.type))].sort();

/** API version of each resource type; an upgrade is a deliberate change of this table and of the template. */
const API_VERSIONS: Record<string, string> = {
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  'Microsoft.DurableTask/schedulers': '2025-11-01',
  'Microsoft.DurableTask/schedulers/taskHubs': '2025-11-01',
  'Microsoft.Insights/actionGroups': '2023-01-01',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.Insights/scheduledQueryRules': '2023-12-01',
  'Microsoft.KeyVault/vaults': '2023-07-01',
  'Microsoft.KeyVault/vaults/secrets': '2023-07-01',
  'Microsoft.Kusto/clusters': '2024-04-13',
  'Microsoft.Kusto/clusters/databases': '2024-04-13',
  'Microsoft.Kusto/clusters/databases/principalAssignments': '2024-04-13',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
  'Microsoft.Network/natGateways': '2024-05-01',
  'Microsoft.Network/privateDnsZones': '2024-06-01',
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks': '2024-06-01',
  'Microsoft.Network/privateEndpoints': '2024-05-01',
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': '2024-05-01',
  'Microsoft.Network/publicIPAddresses': '2024-05-01',
  'Microsoft.Network/virtualNetworks': '2024-05-01',
  'Microsoft.OperationalInsights/workspaces': '2023-09-01',
  'Microsoft.Storage/storageAccounts': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies': '2023-05-01',
  'Microsoft.Storage/storageAccounts/managementPolicies': '2023-05-01',
  'Microsoft.Web/serverfarms': '2024-04-01',
  'Microsoft.Web/sites': '2024-04-01',
  'Microsoft.Web/sites/config': '2024-04-01',
};

describe('compiled template: structure', () => {
  it('is one resource-group deployment with a module per concern', () => {
    assert.match(String((template as { $schema?: string }).$schema), /deploymentTemplate\.json/);
    assert.deepEqual(
      new Set(moduleNames(template).filter((n) => !n.startsWith('['))),
      new Set([
        'monitoring',
        'network',
        'identity',
        'storage',
        'keyvault',
        'kusto',
        'durabletask',
        'functionapp',
        'roles',
        'kusto-access',
        'pe-keyvault',
        'pe-kusto',
        'alerts',
        'alerts-kusto-viewer',
      ]),
    );
  });

  it('uses the API version in the table for every resource type, each a GA (dated, non-preview) version', () => {
    const declared = declaredResources(template);
    const seen = new Map<string, Set<string>>();
    for (const r of declared) seen.set(r.type, new Set([...(seen.get(r.type) ?? []), r.apiVersion]));
    for (const [type, versions] of seen) {
      assert.deepEqual([...versions], [API_VERSIONS[type]], `${type} uses ${API_VERSIONS[type]}`);
      assert.match(API_VERSIONS[type], /^\d{4}-\d{2}-\d{2}$/);
    }
    assert.deepEqual(
      [...seen.keys()].sort(),
      Object.keys(API_VERSIONS).sort(),
      'the table lists no unused type',
    );
  });

  it('creates, by default, the monitoring, identity, storage, vault, cluster, app and grants, and no network', () => {
    const d = deploy(template, base);
    assert.deepEqual(types(d), [
      'Microsoft.Authorization/roleAssignments',
      'Microsoft.Insights/components',
      'Microsoft.KeyVault/vaults',
      'Microsoft.Kusto/clusters',
      'Microsoft.Kusto/clusters/databases',
      'Microsoft.Kusto/clusters/databases/principalAssignments',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.Storage/storageAccounts/managementPolicies',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
      'Microsoft.Web/sites/config',
    ]);
  });

  it('with an existing cluster creates no cluster or database, and still grants the app on it', () => {
    const d = deploy(template, { ...base, createKustoCluster: false, kustoClusterName: 'adxshared' });
    assert.ok(!types(d).includes('Microsoft.Kusto/clusters'));
    assert.ok(!types(d).includes('Microsoft.Kusto/clusters/databases'));
    assert.equal(
      allResources(d).filter((r) => r.type === 'Microsoft.Kusto/clusters/databases/principalAssignments')
        .length,
      2,
    );
  });
});

describe('compiled template: runtime', () => {
  it('runs Node 22 on Flex Consumption (functionAppConfig.runtime)', () => {
    const site = one(deploy(template, base), 'Microsoft.Web/sites');
    const config = site.properties.functionAppConfig as { runtime: { name: string; version: string } };
    assert.deepEqual(config.runtime, { name: 'node', version: '22' });
    assert.equal(site.properties.httpsOnly, true);
  });

  it('runs Node 22 on Elastic Premium (linuxFxVersion)', () => {
    const site = one(deploy(template, { ...base, hostingPlan: 'ElasticPremium' }), 'Microsoft.Web/sites');
    const siteConfig = site.properties.siteConfig as { linuxFxVersion: string; minTlsVersion: string };
    assert.equal(siteConfig.linuxFxVersion, 'Node|22');
    assert.equal(siteConfig.minTlsVersion, '1.2');
    assert.equal(site.properties.functionAppConfig, null);
  });
});

describe('compiled template: hardening', () => {
  it('accepts telemetry only with Entra tokens (Application Insights local auth off)', () => {
    const ai = one(deploy(template, base), 'Microsoft.Insights/components');
    assert.equal(ai.properties.DisableLocalAuth, true);
  });

  it('turns shared keys off on Flex Consumption, public blob access off everywhere', () => {
    const flex = one(deploy(template, base), 'Microsoft.Storage/storageAccounts');
    assert.equal(flex.properties.allowSharedKeyAccess, false);
    assert.equal(flex.properties.allowBlobPublicAccess, false);
    assert.equal(flex.properties.minimumTlsVersion, 'TLS1_2');
    const premium = one(
      deploy(template, { ...base, hostingPlan: 'ElasticPremium' }),
      'Microsoft.Storage/storageAccounts',
    );
    assert.equal(
      premium.properties.allowSharedKeyAccess,
      true,
      'the Premium content share needs the account key',
    );
  });

  it('makes the archive container tamper-evident in the prod profile and not in dev', () => {
    const immutability = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';
    const dev = deploy(template, base);
    assert.ok(!types(dev).includes(immutability));
    const prod = deploy(template, { ...base, environmentProfile: 'prod' });
    const policy = one(prod, immutability);
    assert.match(policy.name, /\/o365-archive\/default$/);
    assert.equal(policy.properties.immutabilityPeriodSinceCreationInDays, 365);
    const container = one(prod, 'Microsoft.Storage/storageAccounts/blobServices/containers', '/o365-archive');
    assert.deepEqual(container.properties.immutableStorageWithVersioning, { enabled: true });
    const blobService = one(prod, 'Microsoft.Storage/storageAccounts/blobServices');
    assert.equal(
      blobService.properties.isVersioningEnabled,
      true,
      'version-level immutability needs versioning',
    );
    const rules = (
      one(prod, 'Microsoft.Storage/storageAccounts/managementPolicies').properties.policy as {
        rules: {
          name: string;
          definition: { actions: { version?: { delete: { daysAfterCreationGreaterThan: number } } } };
        }[];
      }
    ).rules;
    const versions = rules.find((r) => r.name === 'expire-previous-versions');
    assert.equal(versions?.definition.actions.version?.delete.daysAfterCreationGreaterThan, 366);
  });

  it('lets the immutability be chosen apart from the profile', () => {
    const immutability = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';
    const devOn = deploy(template, { ...base, archiveImmutable: true, archiveImmutabilityDays: 30 });
    assert.equal(one(devOn, immutability).properties.immutabilityPeriodSinceCreationInDays, 30);
    assert.ok(
      !types(deploy(template, { ...base, environmentProfile: 'prod', archiveImmutable: false })).includes(
        immutability,
      ),
    );
  });

  it('keeps public endpoints by default, network-restricted only by Entra auth', () => {
    const d = deploy(template, base);
    assert.equal(one(d, 'Microsoft.Storage/storageAccounts').properties.publicNetworkAccess, 'Enabled');
    assert.equal(one(d, 'Microsoft.KeyVault/vaults').properties.publicNetworkAccess, 'Enabled');
    assert.equal(one(d, 'Microsoft.Kusto/clusters').properties.publicNetworkAccess, 'Enabled');
    assert.ok(!types(d).includes('Microsoft.Network/privateEndpoints'));
  });

  for (const hostingPlan of ['FlexConsumption', 'ElasticPremium']) {
    it(`with publicNetworkAccess Disabled (${hostingPlan}) closes Storage, Key Vault and Kusto and reaches each through a private endpoint`, () => {
      const d = deploy(template, { ...base, hostingPlan, publicNetworkAccess: 'Disabled' });
      const storage = one(d, 'Microsoft.Storage/storageAccounts');
      assert.equal(storage.properties.publicNetworkAccess, 'Disabled');
      assert.equal((storage.properties.networkAcls as { defaultAction: string }).defaultAction, 'Deny');
      const vault = one(d, 'Microsoft.KeyVault/vaults');
      assert.equal(vault.properties.publicNetworkAccess, 'Disabled');
      assert.equal((vault.properties.networkAcls as { defaultAction: string }).defaultAction, 'Deny');
      assert.equal(one(d, 'Microsoft.Kusto/clusters').properties.publicNetworkAccess, 'Disabled');

      const endpoints = allResources(d)
        .filter((r) => r.type === 'Microsoft.Network/privateEndpoints')
        .map((r) => {
          const conn = (
            r.properties.privateLinkServiceConnections as {
              properties: { privateLinkServiceId: unknown; groupIds: string[] };
            }[]
          )[0];
          return `${String(conn.properties.privateLinkServiceId)}:${conn.properties.groupIds.join()}`;
        })
        .sort();
      const storageGroups =
        hostingPlan === 'FlexConsumption' ? ['blob', 'queue', 'table'] : ['blob', 'file', 'queue', 'table'];
      assert.deepEqual(
        endpoints,
        [
          '<keyvault.outputs.id.value>:vault',
          '<kusto.outputs.clusterId.value>:cluster',
          ...storageGroups.map((g) => `<storage.outputs.id.value>:${g}`),
        ].sort(),
      );

      const zones = allResources(d)
        .filter((r) => r.type === 'Microsoft.Network/privateDnsZones')
        .map((r) => r.name)
        .sort();
      assert.deepEqual(
        zones,
        [
          ...storageGroups.map((g) => `privatelink.${g}.core.windows.net`),
          'privatelink.vaultcore.azure.net',
          'privatelink.westeurope.kusto.windows.net',
        ].sort(),
      );
      assert.equal(
        allResources(d).filter((r) => r.type === 'Microsoft.Network/privateDnsZones/virtualNetworkLinks')
          .length,
        zones.length,
      );

      const site = one(d, 'Microsoft.Web/sites');
      assert.equal(String(site.properties.virtualNetworkSubnetId), '<network.outputs.appSubnetId.value>');
      // Flex Consumption routes everything through an integrated network by itself; Premium needs the switches.
      assert.equal(site.properties.vnetRouteAllEnabled, hostingPlan === 'ElasticPremium');
      assert.equal(site.properties.vnetContentShareEnabled, hostingPlan === 'ElasticPremium');
      const vnet = one(d, 'Microsoft.Network/virtualNetworks');
      const subnets = vnet.properties.subnets as {
        name: string;
        properties: {
          addressPrefix: string;
          natGateway?: unknown;
          delegations?: { properties: { serviceName: string } }[];
        };
      }[];
      const app = subnets.find((s) => s.name === 'app');
      assert.equal(
        app?.properties.delegations?.[0].properties.serviceName,
        hostingPlan === 'FlexConsumption' ? 'Microsoft.App/environments' : 'Microsoft.Web/serverFarms',
      );
      assert.ok(
        app?.properties.natGateway,
        'the app subnet reaches the public Office 365 API through a NAT gateway',
      );
      assert.deepEqual(
        subnets.map((s) => s.properties.addressPrefix),
        ['10.40.0.0/24', '10.40.1.0/24'],
      );
    });
  }

  it("leaves an existing cluster's network alone (no private endpoint, no change) when public access is Disabled", () => {
    const d = deploy(template, {
      ...base,
      publicNetworkAccess: 'Disabled',
      createKustoCluster: false,
      kustoClusterName: 'adxshared',
    });
    assert.ok(!findModule(d, 'pe-kusto'));
    assert.ok(
      !allResources(d).some(
        (r) => r.type === 'Microsoft.Network/privateDnsZones' && r.name.includes('kusto'),
      ),
    );
  });
});

describe('compiled template: parameters and outputs', () => {
  const params = template.parameters ?? {};

  it('declares the hardening parameters with safe defaults', () => {
    assert.deepEqual(params.environmentProfile.allowedValues, ['dev', 'prod']);
    assert.equal(params.environmentProfile.defaultValue, 'dev');
    assert.deepEqual(params.publicNetworkAccess.allowedValues, ['Enabled', 'Disabled']);
    assert.equal(params.publicNetworkAccess.defaultValue, 'Enabled');
    assert.equal(params.archiveImmutable.defaultValue, "[equals(parameters('environmentProfile'), 'prod')]");
    assert.equal(params.deployerPrincipalId.defaultValue, '');
  });

  it('has no first-run switch: the app never needs a second deployment to lose Admin', () => {
    assert.ok(!('firstRun' in params));
    assert.ok(!('kustoGrantViewer' in params));
  });

  it('describes every parameter', () => {
    for (const [name, p] of Object.entries(params))
      assert.ok((p.metadata?.description ?? '').length > 10, `${name} has a description`);
  });

  it('outputs what azd and the provisioning hooks read', () => {
    assert.deepEqual(Object.keys(template.outputs ?? {}).sort(), [
      'AZURE_FUNCTION_APP_NAME',
      'AZURE_LOCATION',
      'AZURE_RESOURCE_GROUP',
      'FUNCTION_APP_URL',
      'KEY_VAULT_NAME',
      'KUSTO_APP_ROLES',
      'KUSTO_CLUSTER_URL',
      'KUSTO_DATABASE',
      'KUSTO_DEPLOYER_ROLE',
      'MANAGED_IDENTITY_CLIENT_ID',
      'MANAGED_IDENTITY_PRINCIPAL_ID',
      'STORAGE_ACCOUNT_NAME',
    ]);
    const d = deploy(template, base);
    assert.equal(String(d.outputs.KUSTO_CLUSTER_URL), '<kusto.outputs.clusterUri.value>');
    assert.equal(d.outputs.FUNCTION_APP_URL, 'https://<functionapp.outputs.defaultHostName.value>');
  });

  it("defaults the Entra authority to the deployment cloud's login endpoint, without a trailing slash", () => {
    const settings = one(deploy(template, base), 'Microsoft.Web/sites/config').properties;
    assert.equal(settings.O365_LOGIN_URL, 'https://login.microsoftonline.com');
    const gcc = one(
      deploy(template, { ...base, o365LoginUrl: 'https://login.microsoftonline.us' }),
      'Microsoft.Web/sites/config',
    );
    assert.equal(gcc.properties.O365_LOGIN_URL, 'https://login.microsoftonline.us');
  });
});
