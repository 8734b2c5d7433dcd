/**
 * Real host names on loopback, for tests that must see which host a request was meant for: one HTTPS server (with a
 * certificate from local/tls.ts, whose SANs include the clouds' hosts) that records the Host of every request, and the two connection seams of the
 * client (an undici dispatcher for the API calls, an HTTPS agent for the token requests) that open every connection,
 * whatever host and port the URL names, to that server — TLS still verifies the certificate against the host name.
 */
import { Agent as HttpsAgent, createServer, type AgentOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Agent as UndiciAgent } from 'undici';

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
  certificate: { cert: string; key: string },
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
