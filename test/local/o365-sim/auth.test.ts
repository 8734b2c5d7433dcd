import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@azure/identity';
import { type SimHarness, startHarness, tokenFor } from '../../harness/sim-client';

describe('o365-sim identity endpoints', () => {
  let h: SimHarness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('issues v2 client-credential tokens the API accepts', async () => {
    const r = await tokenFor(h.sim, {
      grant_type: 'client_credentials',
      client_id: h.sim.clientId,
      client_secret: h.sim.clientSecret,
      scope: `${h.sim.apiUrl}/.default`,
    });
    assert.equal(r.status, 200);
    const body = r.json<Record<string, unknown>>();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.expires_in, 'number');
    const list = await h.get('subscriptions/list', {
      headers: { Authorization: `Bearer ${String(body.access_token)}` },
    });
    assert.equal(list.status, 200);
  });

  it('issues v1 tokens with expires_on, not_before and resource', async () => {
    const r = await tokenFor(
      h.sim,
      {
        grant_type: 'client_credentials',
        client_id: h.sim.clientId,
        client_secret: h.sim.clientSecret,
        resource: h.sim.apiUrl,
      },
      false,
    );
    assert.equal(r.status, 200);
    const body = r.json<Record<string, string>>();
    assert.equal(body.resource, h.sim.apiUrl);
    assert.match(body.expires_on ?? '', /^\d+$/);
    assert.match(body.not_before ?? '', /^\d+$/);
    assert.equal(body.expires_in, '3599');
  });

  it('rejects a bad secret, an unknown client and an unknown tenant with AAD errors', async () => {
    const base = { grant_type: 'client_credentials', scope: `${h.sim.apiUrl}/.default` };
    const badSecret = await tokenFor(h.sim, { ...base, client_id: h.sim.clientId, client_secret: 'nope' });
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.json<{ error: string }>().error, 'invalid_client');
    assert.match(badSecret.text, /AADSTS7000215/);
    const badClient = await tokenFor(h.sim, {
      ...base,
      client_id: '11111111-1111-4111-8111-111111111111',
      client_secret: h.sim.clientSecret,
    });
    assert.equal(badClient.status, 400);
    assert.match(badClient.text, /AADSTS700016/);
    const otherTenant = await tokenFor(
      h.sim,
      { ...base, client_id: h.sim.clientId, client_secret: h.sim.clientSecret },
      true,
      '22222222-2222-4222-8222-222222222222',
    );
    assert.equal(otherTenant.status, 400);
    assert.match(otherTenant.text, /AADSTS90002/);
    const noScope = await tokenFor(h.sim, {
      grant_type: 'client_credentials',
      client_id: h.sim.clientId,
      client_secret: h.sim.clientSecret,
    });
    assert.equal(noScope.status, 400);
    assert.equal(noScope.json<{ error: string }>().error, 'invalid_scope');
  });

  it('answers AF20010 when the URL tenant is not the token tenant, AF20013 when it is no GUID, 401 without a token', async () => {
    const other = await h.get(
      `${h.sim.apiUrl}/api/v1.0/33333333-3333-4333-8333-333333333333/activity/feed/subscriptions/list`,
    );
    assert.equal(other.status, 403);
    assert.equal(other.json<{ error: { code: string } }>().error.code, 'AF20010');
    const notGuid = await h.get(`${h.sim.apiUrl}/api/v1.0/contoso/activity/feed/subscriptions/list`);
    assert.equal(notGuid.json<{ error: { code: string } }>().error.code, 'AF20013');
    const anonymous = await fetch(`${h.base}/subscriptions/list`);
    assert.equal(anonymous.status, 401);
    const forged = await h.get('subscriptions/list', {
      headers: { Authorization: `Bearer ${h.token.slice(0, -4)}AAAA` },
    });
    assert.equal(forged.status, 401);
  });

  it('serves OpenID discovery so the real @azure/identity credential works against it', async () => {
    const cfg = await fetch(`${h.sim.loginUrl}/${h.sim.tenantId}/v2.0/.well-known/openid-configuration`);
    const doc = (await cfg.json()) as Record<string, string>;
    assert.equal(doc.token_endpoint, `${h.sim.loginUrl}/${h.sim.tenantId}/oauth2/v2.0/token`);
    assert.equal(doc.issuer, `${h.sim.loginUrl}/${h.sim.tenantId}/v2.0`);
    const options = { authorityHost: h.sim.loginUrl, disableInstanceDiscovery: true };
    const good = new ClientSecretCredential(h.sim.tenantId, h.sim.clientId, h.sim.clientSecret, options);
    const token = await good.getToken(`${h.sim.apiUrl}/.default`);
    const r = await fetch(`${h.base}/subscriptions/list`, {
      headers: { Authorization: `Bearer ${token.token}` },
    });
    assert.equal(r.status, 200);
    const bad = new ClientSecretCredential(h.sim.tenantId, h.sim.clientId, 'wrong-secret', options);
    await assert.rejects(bad.getToken(`${h.sim.apiUrl}/.default`), /AADSTS7000215/);
    assert.ok(h.sim.counters().requests.token >= 3);
  });
});
