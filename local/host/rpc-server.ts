/**
 * The Durable RPC endpoint `df.getClient` talks to (`rpcBaseUrl`, `http://127.0.0.1:<rpcPort>/durabletask/`). Like the
 * extension's, it listens on loopback only and takes no key.
 */
import { createServer, type Server } from 'node:http';
import type { DurableApiHandler } from './durable-api';
import { readBody, sendApiResponse } from './http-server';
import type { HostLog } from './invocation';

const prefix = '/durabletask/';

export function createRpcServer(durableApi: DurableApiHandler, log: HostLog): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    readBody(req)
      .then((body) => {
        const segments = url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
        sendApiResponse(
          res,
          durableApi({
            method: (req.method ?? 'GET').toUpperCase(),
            segments,
            query: url.searchParams,
            body: body.toString(),
            headers: req.headers,
          }),
        );
      })
      .catch((err: unknown) => {
        log(
          `rpc: ${req.method} ${url.pathname}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
}
