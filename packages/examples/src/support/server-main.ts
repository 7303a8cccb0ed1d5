/**
 * The local server's process: forked by local-server.ts, it listens on 127.0.0.1, port 0, reports
 * the port over IPC, and exits when its parent goes away (even if the parent was killed).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handle } from './routes.js';

const server = createServer(handle);
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.send?.({ port: (server.address() as AddressInfo).port });
process.on('disconnect', () => process.exit(0));
