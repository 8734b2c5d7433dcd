/**
 * A locally generated TLS certificate for the stand-ins that must speak HTTPS.
 *
 * @azure/identity refuses non-https authority hosts, so the O365 simulator serves HTTPS. Processes trust the
 * certificate through NODE_EXTRA_CA_CERTS, which Node reads once at start-up: whoever starts a process that talks to
 * the simulator (the test runner, the stack) must call {@link ensureLocalCertificate} first and pass
 * {@link extraCaCertsEnv} to the child.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LocalCertificate {
  /** PEM certificate (self-signed, also the CA to trust). */
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** Default folder: `.local/tls` under the project root. */
export const defaultTlsDir = resolve(__dirname, '..', '.local', 'tls');

/** Creates (once) and returns a self-signed certificate for 127.0.0.1 and localhost. */
export function ensureLocalCertificate(dir: string = defaultTlsDir): LocalCertificate {
  const certPath = join(dir, 'localhost-cert.pem');
  const keyPath = join(dir, 'localhost-key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    const tmpKey = `${keyPath}.${process.pid}.tmp`;
    const tmpCert = `${certPath}.${process.pid}.tmp`;
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '3650',
        '-keyout',
        tmpKey,
        '-out',
        tmpCert,
        '-subj',
        '/CN=o365-alert-pipeline local',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: 'ignore' },
    );
    // Write key and certificate under their final names only when both exist, so a crash never leaves half a pair.
    writeFileSync(keyPath, readFileSync(tmpKey), { mode: 0o600 });
    writeFileSync(certPath, readFileSync(tmpCert));
    rmSync(tmpKey);
    rmSync(tmpCert);
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
