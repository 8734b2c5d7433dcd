/**
 * What the app identity (and the deploying principal) may do, read from the compiled template: every Azure role
 * assignment names a built-in role by its documented id, at a named scope, and the set of grants is exactly the
 * one docs/deploy.md explains. The Kusto database roles are checked the same way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allResources, deploy, loadCompiledTemplate, type Deployment } from './arm';

const template = loadCompiledTemplate();
const base = { environmentName: 'test' };

/** Built-in role definition ids as Microsoft documents them (Azure built-in roles reference). */
const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '0ad04412-c4d5-4796-b79c-f76d14c8d402': 'Durable Task Data Contributor',
  // Never granted to the app; listed so a test can say so by name.
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
};

/** The scope kind of a resource id: the resource type it ends in. */
function scopeOf(id: string): string {
  const providers = id.split('/providers/').pop() ?? '';
  const parts = providers.split('/');
  const typeParts = [parts[0], ...parts.slice(1).filter((_p, i) => i % 2 === 0)];
  return typeParts.join('/');
}

function grants(d: Deployment): string[] {
  return allResources(d)
    .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const roleId = String(r.properties.roleDefinitionId).split('/').pop() ?? '';
      const name = BUILT_IN_ROLES[roleId];
      assert.ok(name, `role definition ${roleId} is a documented built-in role`);
      assert.match(
        String(r.properties.roleDefinitionId),
        /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/,
      );
      assert.equal(r.properties.principalType, 'ServicePrincipal');
      assert.ok(r.scope, `${name} is assigned at a resource scope, never the resource group or subscription`);
      return `${name} @ ${scopeOf(r.scope)}`;
    })
    .sort();
}

describe('Azure roles of the app identity', () => {
  it('are, by default, blob/queue/table data contributor on the storage account, secrets user on the vault, metrics publisher on App Insights', () => {
    assert.deepEqual(grants(deploy(template, base)), [
      'Key Vault Secrets User @ Microsoft.KeyVault/vaults',
      'Monitoring Metrics Publisher @ Microsoft.Insights/components',
      'Storage Blob Data Contributor @ Microsoft.Storage/storageAccounts',
      'Storage Queue Data Contributor @ Microsoft.Storage/storageAccounts',
      'Storage Table Data Contributor @ Microsoft.Storage/storageAccounts',
    ]);
  });

  it('go to the identity the app runs as (user-assigned principal, or the system-assigned one)', () => {
    const principals = (d: Deployment): Set<string> =>
      new Set(
        allResources(d)
          .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
          .map((r) => String(r.properties.principalId)),
      );
    assert.deepEqual(principals(deploy(template, base)), new Set(['<identity.outputs.principalId.value>']));
    assert.deepEqual(
      principals(deploy(template, { ...base, identityType: 'SystemAssigned' })),
      new Set(['<functionapp.outputs.systemAssignedPrincipalId.value>']),
    );
  });

  it('drop the vault grant without a vault (managedIdentity auth) and add the scheduler grant with the scheduler', () => {
    const d = deploy(template, { ...base, o365AuthMode: 'managedIdentity', useDurableTaskScheduler: true });
    assert.deepEqual(grants(d), [
      'Durable Task Data Contributor @ Microsoft.DurableTask/schedulers',
      'Monitoring Metrics Publisher @ Microsoft.Insights/components',
      'Storage Blob Data Contributor @ Microsoft.Storage/storageAccounts',
      'Storage Queue Data Contributor @ Microsoft.Storage/storageAccounts',
      'Storage Table Data Contributor @ Microsoft.Storage/storageAccounts',
    ]);
  });

  it('never include an owner or control-plane role, in any configuration', () => {
    for (const params of [
      base,
      { ...base, hostingPlan: 'ElasticPremium', identityType: 'SystemAssigned' },
      { ...base, publicNetworkAccess: 'Disabled', environmentProfile: 'prod', useDurableTaskScheduler: true },
    ])
      for (const grant of grants(deploy(template, params)))
        assert.doesNotMatch(grant, /Owner|^Contributor|Account Contributor/);
  });

  it('have unique, deterministic assignment names (guid of scope, principal and role)', () => {
    const names = allResources(deploy(template, base))
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
      .map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names)
      assert.match(n, /^guid\(.*, <identity\.outputs\.principalId\.value>, [0-9a-f-]{36}\)$/);
  });
});

describe('Kusto database roles', () => {
  const assignments = (d: Deployment): string[] =>
    allResources(d)
      .filter((r) => r.type === 'Microsoft.Kusto/clusters/databases/principalAssignments')
      .map(
        (r) =>
          `${String(r.properties.principalId)} ${String(r.properties.principalType)} ${String(r.properties.role)}`,
      )
      .sort();

  it('give the app Ingestor and Viewer only (no Admin), by its client id', () => {
    assert.deepEqual(assignments(deploy(template, base)), [
      '<identity.outputs.clientId.value> App Ingestor',
      '<identity.outputs.clientId.value> App Viewer',
    ]);
  });

  it('give the deploying principal Admin so the provisioning hook can create the tables', () => {
    assert.deepEqual(assignments(deploy(template, { ...base, deployerPrincipalId: 'user-object-id' })), [
      '<identity.outputs.clientId.value> App Ingestor',
      '<identity.outputs.clientId.value> App Viewer',
      'user-object-id User Admin',
    ]);
  });

  it('name a pipeline service principal as a Kusto App principal', () => {
    const d = deploy(template, {
      ...base,
      deployerPrincipalId: 'sp-object-id',
      deployerPrincipalType: 'ServicePrincipal',
      identityType: 'SystemAssigned',
    });
    assert.deepEqual(assignments(d), [
      '<functionapp.outputs.systemAssignedPrincipalId.value> App Ingestor',
      '<functionapp.outputs.systemAssignedPrincipalId.value> App Viewer',
      'sp-object-id App Admin',
    ]);
  });

  it('never give the app Admin, whatever the parameters', () => {
    for (const params of [
      base,
      { ...base, deployerPrincipalId: 'x' },
      { ...base, kustoStreamingIngestion: true },
    ])
      for (const a of assignments(deploy(template, params)))
        if (a.startsWith('<')) assert.doesNotMatch(a, /Admin/);
  });
});
