/**
 * Real host names on loopback, for tests that must see which host a request was meant for: a certificate whose SANs
 * are the clouds' hosts, one HTTPS server that records the Host of every request, and the two connection seams of the
 * client (an undici dispatcher for the API calls, an HTTPS agent for the token requests) that open every connection,
 * whatever host and port the URL names, to that server — TLS still verifies the certificate against the host name.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent as HttpsAgent, createServer, type AgentOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Agent as UndiciAgent } from 'undici';

export const CLOUD_HOSTS = [
  'manage.office.com',
  'manage-gcc.office.com',
  'manage.office365.us',
  'manage.protection.apps.mil',
  'login.microsoftonline.com',
  'login.microsoftonline.us',
];

export interface LoopbackCertificate {
  cert: string;
  key: string;
}

/** A throwaway self-signed certificate (its own CA) for the given host names and 127.0.0.1. */
export function certificateFor(hosts: string[]): LoopbackCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'o365-cloud-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-subj',
        '/CN=o365 cloud hosts test',
        '-addext',
        `subjectAltName=${[...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',')}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  host: string;
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  /** The form of a token request. */
  form?: URLSearchParams;
}

export type Answer = (req: SeenRequest) => {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
};

export interface RecordingServer {
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** One HTTPS server for every host; it records each request and answers with `answer`. */
export async function startRecordingServer(
  certificate: LoopbackCertificate,
  answer: Answer,
): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'https://x');
      const rec: SeenRequest = {
        host: req.headers.host ?? '',
        method: req.method ?? 'GET',
        path: u.pathname,
        query: u.searchParams,
        authorization: req.headers.authorization,
        form: req.method === 'POST' && body !== '' ? new URLSearchParams(body) : undefined,
      };
      seen.push(rec);
      const reply = answer(rec);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Connects to the loopback server, verifying its certificate against the host the URL named. */
function loopbackTls(port: number, servername: string, ca: string): ReturnType<typeof tlsConnect> {
  const options: ConnectionOptions = { host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] };
  return tlsConnect(options);
}

/** The API side's seam: every fetch connection goes to the loopback server. */
export function loopbackDispatcher(port: number, ca: string): UndiciAgent {
  return new UndiciAgent({
    connect: (opts, callback) => {
      const socket = loopbackTls(port, opts.servername || opts.hostname, ca);
      socket.once('secureConnect', () => callback(null, socket));
      socket.once('error', (err) => callback(err, null));
    },
  });
}

/** The token side's seam: an HTTPS agent whose every connection goes to the loopback server. */
export class LoopbackHttpsAgent extends HttpsAgent {
  constructor(
    private readonly port: number,
    private readonly ca: string,
    options: AgentOptions = {},
  ) {
    super({ keepAlive: false, ...options });
  }

  override createConnection(options: ConnectionOptions & { host?: string }): Socket {
    return loopbackTls(this.port, options.servername || options.host || 'localhost', this.ca);
  }
}
