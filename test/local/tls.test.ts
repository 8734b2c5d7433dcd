import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  certificateShortfall,
  createCertificate,
  ensureLocalCertificate,
  SOVEREIGN_CLOUD_HOSTS,
} from '../../local/tls';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** GET https://<host>:<port>/ with <host> resolved to 127.0.0.1, trusting only `ca`. */
function fetchAs(host: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host,
        port,
        path: '/',
        ca,
        agent: false,
        lookup: (_hostname, options, callback) => {
          if ((options as { all?: boolean }).all)
            (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address: '127.0.0.1', family: 4 },
            ]);
          else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
  });
}

describe('local TLS certificate', () => {
  it('names 127.0.0.1, localhost and the Office 365 / Entra hosts of every cloud, and is its own CA', () => {
    const { cert } = ensureLocalCertificate(tempDir());
    const x509 = new X509Certificate(cert);
    const san = x509.subjectAltName ?? '';
    assert.match(san, /IP Address:127\.0\.0\.1/);
    for (const host of ['localhost', ...SOVEREIGN_CLOUD_HOSTS])
      assert.ok(san.includes(`DNS:${host}`), `SAN has ${host}`);
    assert.equal(x509.ca, true);
    assert.ok(x509.checkIssued(x509), 'self-signed');
    assert.ok(new Date(x509.validTo).getFullYear() >= new Date().getFullYear() + 9);
  });

  it('serves TLS that Node accepts for 127.0.0.1 and each named host, and refuses for any other name', async () => {
    const cert = ensureLocalCertificate(tempDir());
    const server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      for (const host of ['127.0.0.1', 'localhost', 'manage.office365.us', 'login.microsoftonline.us'])
        assert.equal(await fetchAs(host, port, cert.cert), 'ok', host);
      await assert.rejects(fetchAs('example.org', port, cert.cert), /altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      server.close();
    }
  });

  it('keeps a stored certificate that has every name, and replaces one that lacks a name', () => {
    const dir = tempDir();
    const first = ensureLocalCertificate(dir);
    assert.equal(ensureLocalCertificate(dir).cert, first.cert, 'a complete certificate is kept');

    const old = createCertificate(['localhost']);
    writeFileSync(join(dir, 'localhost-cert.pem'), old.cert);
    writeFileSync(join(dir, 'localhost-key.pem'), old.key);
    assert.deepEqual(
      certificateShortfall(old.cert, ['localhost', ...SOVEREIGN_CLOUD_HOSTS]),
      SOVEREIGN_CLOUD_HOSTS.map((h) => `DNS:${h}`),
    );
    const renewed = ensureLocalCertificate(dir);
    assert.notEqual(renewed.cert, old.cert);
    assert.deepEqual(certificateShortfall(renewed.cert, ['localhost', ...SOVEREIGN_CLOUD_HOSTS]), []);
    assert.equal(readFileSync(renewed.keyPath, 'utf8'), renewed.key);
  });

  it('adds extra DNS names on request, replacing the stored certificate once', () => {
    const dir = tempDir();
    const plain = ensureLocalCertificate(dir);
    const extra = ensureLocalCertificate(dir, { dnsNames: ['tenant.example.test'] });
    assert.notEqual(extra.cert, plain.cert);
    assert.match(new X509Certificate(extra.cert).subjectAltName ?? '', /DNS:tenant\.example\.test/);
    assert.equal(ensureLocalCertificate(dir, { dnsNames: ['tenant.example.test'] }).cert, extra.cert);
    assert.equal(ensureLocalCertificate(dir).cert, extra.cert, 'a superset of the wanted names is kept');
  });

  it('reports an unreadable or soon-expiring certificate as unusable', () => {
    assert.match(certificateShortfall('not a pem', [])[0], /unreadable/);
    const { cert } = createCertificate(['localhost']);
    assert.deepEqual(certificateShortfall(cert, ['localhost'], new Date(Date.UTC(2100, 0, 1))), [
      'expires soon',
    ]);
  });
});
