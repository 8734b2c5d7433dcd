/**
 * A locally generated TLS certificate for the stand-ins that must speak HTTPS.
 *
 * @azure/identity refuses non-https authority hosts, so the O365 simulator serves HTTPS. Processes trust the
 * certificate through NODE_EXTRA_CA_CERTS, which Node reads once at start-up: whoever starts a process that talks to
 * the simulator (the test runner, the stack) must call {@link ensureLocalCertificate} first and pass
 * {@link extraCaCertsEnv} to the child.
 *
 * The certificate is made in JavaScript (node:crypto for the key, node-forge for the X.509 structure), so a machine
 * needs no openssl. Besides 127.0.0.1 and localhost it names the real Office 365 and Entra hosts of every cloud
 * ({@link SOVEREIGN_CLOUD_HOSTS}): a test can resolve those names to 127.0.0.1 and have the real clients reach the
 * simulator under the host names they use in production. A stored certificate that lacks a wanted name, or has
 * expired, is replaced.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import forge from 'node-forge';

export interface LocalCertificate {
  /** PEM certificate (self-signed, also the CA to trust). */
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

export interface CertificateOptions {
  /** DNS names wanted beside the defaults (localhost and {@link SOVEREIGN_CLOUD_HOSTS}). */
  dnsNames?: readonly string[];
}

/** Default folder: `.local/tls` under the project root. */
export const defaultTlsDir = resolve(__dirname, '..', '.local', 'tls');

/** Management Activity API roots and Entra authorities of the commercial, GCC, GCC High and DoD clouds. */
export const SOVEREIGN_CLOUD_HOSTS: readonly string[] = [
  'manage.office.com',
  'manage-gcc.office.com',
  'manage.office365.us',
  'manage.protection.apps.mil',
  'login.microsoftonline.com',
  'login.microsoftonline.us',
];

/** The DNS names a certificate made with these options carries (localhost first, no duplicates). */
export function certificateDnsNames(options: CertificateOptions = {}): string[] {
  return [
    ...new Set(
      ['localhost', ...SOVEREIGN_CLOUD_HOSTS, ...(options.dnsNames ?? [])].map((n) => n.toLowerCase()),
    ),
  ];
}

/** Names the stored certificate lacks, or a reason it cannot be used; empty = usable. */
export function certificateShortfall(
  certPem: string,
  dnsNames: readonly string[],
  now: Date = new Date(),
): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return [`unreadable certificate: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  const san = (cert.subjectAltName ?? '').split(/,\s*/).map((s) => s.trim().toLowerCase());
  if (!san.includes('ip address:127.0.0.1')) problems.push('IP:127.0.0.1');
  for (const name of dnsNames) if (!san.includes(`dns:${name.toLowerCase()}`)) problems.push(`DNS:${name}`);
  // Replace a month before expiry so a long-lived checkout never serves an expired certificate.
  if (new Date(cert.validTo) < DateTime.fromJSDate(now).plus({ days: 30 }).toJSDate())
    problems.push('expires soon');
  return problems;
}

/** Makes a self-signed certificate (RSA 2048, SHA-256, 10 years) for 127.0.0.1 and the given DNS names. */
export function createCertificate(dnsNames: readonly string[]): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: the leading byte keeps the high bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = DateTime.utc();
  cert.validity.notBefore = now.minus({ days: 1 }).toJSDate();
  cert.validity.notAfter = now.plus({ years: 10 }).toJSDate();
  const name = [{ name: 'commonName', value: 'o365-alert-pipeline local' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    // It is its own CA: NODE_EXTRA_CA_CERTS trusts it directly.
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [{ type: 7, ip: '127.0.0.1' }, ...dnsNames.map((value) => ({ type: 2, value }))],
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

/**
 * Returns the local certificate, creating it when absent and replacing it when it lacks 127.0.0.1, localhost, a
 * sovereign-cloud host or one of `options.dnsNames`, or expires within a month.
 */
export function ensureLocalCertificate(
  dir: string = defaultTlsDir,
  options: CertificateOptions = {},
): LocalCertificate {
  const certPath = join(dir, 'localhost-cert.pem');
  const keyPath = join(dir, 'localhost-key.pem');
  const dnsNames = certificateDnsNames(options);
  const usable =
    existsSync(certPath) &&
    existsSync(keyPath) &&
    certificateShortfall(readFileSync(certPath, 'utf8'), dnsNames).length === 0;
  if (!usable) {
    mkdirSync(dir, { recursive: true });
    const { cert, key } = createCertificate(dnsNames);
    // Each file appears under its final name whole (rename), so a concurrent reader never sees half a file.
    const tmpKey = `${keyPath}.${process.pid}.tmp`;
    const tmpCert = `${certPath}.${process.pid}.tmp`;
    writeFileSync(tmpKey, key, { mode: 0o600 });
    writeFileSync(tmpCert, cert);
    renameSync(tmpKey, keyPath);
    renameSync(tmpCert, certPath);
  }
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

/**
 * NODE_EXTRA_CA_CERTS for a child process: the local certificate, bundled with the user's own extra CAs when set,
 * so a corporate proxy CA keeps working.
 */
export function extraCaCertsEnv(local: LocalCertificate, env: NodeJS.ProcessEnv = process.env): string {
  const own = env.NODE_EXTRA_CA_CERTS;
  if (!own || resolve(own) === resolve(local.certPath)) return local.certPath;
  const bundlePath = join(resolve(local.certPath, '..'), 'ca-bundle.pem');
  writeFileSync(bundlePath, `${readFileSync(own, 'utf8').trim()}\n${local.cert.trim()}\n`);
  return bundlePath;
}
