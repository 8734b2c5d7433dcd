import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../../local/clock';
import { type RunningSim, startO365Sim } from '../../../local/o365-sim';
import { call, listAll, tenantClient, tokenIn } from './tenant-client';
import { HOUR, T0 } from '../../harness/sim-client';

const TENANT = 'aaaaaaaa-0000-4000-8000-00000000000a';
/** Each cloud's Management API host and login host (the paths are the same in every cloud). */
const CLOUDS = [
  { api: 'manage.office.com', login: 'login.microsoftonline.com' },
  { api: 'manage-gcc.office.com', login: 'login.microsoftonline.com' },
  { api: 'manage.office365.us', login: 'login.microsoftonline.us' },
  { api: 'manage.protection.apps.mil', login: 'login.microsoftonline.us' },
];

describe('o365-sim cloud hosts', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startO365Sim({
      port: 0,
      clock: new VirtualClock(T0),
      pageSize: 2,
      tenants: [{ tenantId: TENANT }],
    });
  });
  after(() => sim.close());

  it("serves every cloud's token and API paths and records the Host of each request by kind", async () => {
    for (const cloud of CLOUDS) {
      const token = await tokenIn(sim, TENANT, cloud.login);
      assert.equal(token.status, 200, `${cloud.login}: ${token.text}`);
      const client = await tenantClient(sim, TENANT, cloud.api);
      const start = await client.post('subscriptions/start?contentType=Audit.General');
      assert.ok(start.status === 200 || start.status === 400, start.text);
      assert.equal((await client.get('subscriptions/list')).status, 200);
    }
    const hosts = sim.counters().hosts;
    for (const cloud of CLOUDS) {
      assert.equal(hosts[cloud.api]?.subscriptions, 1, `one subscriptions/list on ${cloud.api}`);
      assert.equal(hosts[cloud.api]?.start, 1);
      assert.equal(hosts[cloud.api]?.token, undefined, `no token request on ${cloud.api}`);
    }
    // Two token requests on each login host by tokenIn, and one more per cloud by tenantClient on the sim's own host.
    assert.equal(hosts['login.microsoftonline.com']?.token, 2);
    assert.equal(hosts['login.microsoftonline.us']?.token, 2);
    assert.equal(hosts[new URL(sim.apiUrl).host]?.token, 4);
    assert.deepEqual(sim.tenant(TENANT).counters().hosts, hosts);
  });

  it('issues contentUris and NextPageUris on the host the listing came in on', async () => {
    for (const cloud of CLOUDS) {
      const client = await tenantClient(sim, TENANT, cloud.api);
      const entries = await listAll(client, T0 - 3 * HOUR, T0);
      assert.ok(entries.length > 2, 'more than one page');
      for (const e of entries) {
        assert.ok(
          e.contentUri.startsWith(`https://${cloud.api}/api/v1.0/${TENANT}/activity/feed/audit/`),
          e.contentUri,
        );
      }
      const first = await client.get('subscriptions/content?contentType=Audit.General');
      assert.match(
        String(first.headers.nextpageuri),
        new RegExp(`^https://${cloud.api.replace(/\./g, '\\.')}/api/v1\\.0/`),
      );
      const blob = await client.get((entries[0] as { contentUri: string }).contentUri);
      assert.equal(blob.status, 200);
    }
    const hosts = sim.counters().hosts;
    for (const cloud of CLOUDS)
      assert.ok((hosts[cloud.api]?.list ?? 0) >= 2 && hosts[cloud.api]?.content === 1);
  });

  it('answers OpenID discovery with endpoints on the login host asked', async () => {
    const reply = await call(
      sim,
      `https://login.microsoftonline.us/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    assert.equal(reply.status, 200);
    assert.equal(
      reply.json<{ token_endpoint: string }>().token_endpoint,
      `https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`,
    );
    assert.equal(sim.counters().hosts['login.microsoftonline.us']?.other, 1);
  });
});
