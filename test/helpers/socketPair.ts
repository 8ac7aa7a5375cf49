import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Two connected ends of a real Unix stream socket, and a `close()` that ends both (idempotent). */
export interface SocketPair {
  /** The connecting end (what a client such as `Channel` holds). */
  client: Socket;
  /** The accepted end (the peer, e.g. a scripted camerad). */
  peer: Socket;
  close(): void;
}

/**
 * A socketpair for unit tests: a Unix socket server in a fresh temp folder accepts one
 * connection, then stops listening and removes its folder. No network, no ports.
 */
export async function socketPair(): Promise<SocketPair> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-pair-'));
  const path = join(dir, 's.sock');
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect(path);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const peer = await accepted;
    return {
      client,
      peer,
      close: () => {
        client.destroy();
        peer.destroy();
      },
    };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
