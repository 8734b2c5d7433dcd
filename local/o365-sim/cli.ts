/**
 * `npm run o365-sim -- --port N --seed S [flags]`: runs the simulator alone and prints what a client needs.
 * The client secret printed is the simulator's own (a documented demo value unless O365_CLIENT_SECRET is set).
 */
import { ensureLocalCertificate } from '../tls';
import { parseSimArgs, USAGE } from './cli-args';
import { startO365Sim } from './index';

async function main(): Promise<void> {
  let options;
  try {
    options = parseSimArgs(process.argv.slice(2), Date.now());
  } catch (err) {
    console.error(`o365-sim: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const cert = ensureLocalCertificate();
  const sim = await startO365Sim({ ...options, cert });
  const secretFromEnv = Boolean(process.env.O365_CLIENT_SECRET);
  console.log(`O365 simulator listening (seed ${options.seed ?? 1})
  O365_API_URL=${sim.apiUrl}
  O365_LOGIN_URL=${sim.loginUrl}
  O365_TENANT_ID=${sim.tenants.map((t) => t.tenantId).join(',')}
  O365_CLIENT_ID=${sim.clientId}
  O365_CLIENT_SECRET=${secretFromEnv ? '(the value of your O365_CLIENT_SECRET)' : sim.clientSecret}
  NODE_EXTRA_CA_CERTS=${cert.certPath}   (clients must trust this certificate)
  admin: GET ${sim.apiUrl}/_sim/counters, GET ${sim.apiUrl}/_sim/ground-truth?from=ISO&to=ISO[&tenant=ID], POST ${sim.apiUrl}/_sim/faults[?tenant=ID]${
    sim.tenants.length > 1
      ? `\n  tenants: ${sim.tenants.map((t) => `${t.name} ${t.tenantId} (seed ${t.seed})`).join('; ')}`
      : ''
  }
Ctrl+C to stop.`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
