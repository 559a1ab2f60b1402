// Free loopback TCP ports for test services.
//
// A port is "free" when the kernel hands it out for a listen on port 0. The listener is closed
// before the port is returned, so another process may take it before the caller binds it:
// callers that start daemons on these ports should treat "address in use" as retryable.
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { InternalError } from '../common/errors.js';

/** One free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new InternalError('listen on port 0 gave no port'))));
    });
  });
}

/**
 * `n` distinct free TCP ports on 127.0.0.1. All listeners stay open until every port is
 * chosen, so the kernel never returns the same port twice within one call.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      return new Promise<Server>((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server));
      });
    }),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
