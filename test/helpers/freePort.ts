import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A UDP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
 * With `pair`, the next port (RTCP) is free too and the returned port is even.
 */
export async function freeUdpPort(pair = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await bindAndRelease(0);
    if (!pair) return port;
    const even = port % 2 === 0 ? port : port + 1;
    if (even + 1 > 65535) continue;
    try {
      await bindAndRelease(even);
      await bindAndRelease(even + 1);
      return even;
    } catch {
      // taken in the meantime: try another
    }
  }
  throw new Error('no free UDP port pair on 127.0.0.1 after 50 tries');
}

async function bindAndRelease(port: number): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise<number>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, '127.0.0.1', () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago (listened on port 0, then released). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port on 127.0.0.1');
  return address.port;
}
