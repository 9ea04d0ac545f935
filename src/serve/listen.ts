import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TabpilotError } from '../util/errors.js';

/**
 * Opening and closing the endpoint's port. Failures a user causes (a busy port, a host that is not this
 * machine's, a privileged port) become one-line TabpilotErrors with a code; the CLI prints them and exits 2.
 */

/** The error `listen` reports for a node socket error; other errors are returned unchanged. */
export function listenError(e: unknown, port: number, host: string): unknown {
  switch ((e as NodeJS.ErrnoException | null)?.code) {
    case 'EADDRINUSE':
      return new TabpilotError('ADDRESS_IN_USE', `port ${port} is in use on ${host}`);
    case 'EADDRNOTAVAIL':
      return new TabpilotError('ADDRESS_UNAVAILABLE', `cannot listen on ${host}: not an address of this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new TabpilotError('ADDRESS_UNAVAILABLE', `cannot listen on ${host}: the host name does not resolve`);
    case 'EACCES':
    case 'EPERM':
      return new TabpilotError('ADDRESS_UNAVAILABLE', `cannot listen on port ${port} of ${host}: permission denied (ports below 1024 need privileges)`);
    case 'EAFNOSUPPORT':
    case 'EINVAL':
      return new TabpilotError('ADDRESS_UNAVAILABLE', `cannot listen on ${host} port ${port}: not a usable address`);
    default:
      return e;
  }
}

export function listenOn(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: unknown): void => reject(listenError(e, port, host));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections and resolves once every connection is closed: idle keep-alive connections
 * at once, busy ones after their response, and whatever is still open after `drainMs` (a stalled upload, a
 * slow client) by force, so shutdown always ends.
 */
export function closeWithin(server: http.Server, drainMs: number, onDeadline?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      onDeadline?.();
      server.closeAllConnections();
    }, drainMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
