import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/weriftClient.js';

/**
 * Attack: a local process drives camerad through its control socket (start an RTMP push to its
 * own server, write `.mp4` files) — as another user, or as a second client of the same user that
 * used to replace the server's connection. The server's camera must keep streaming throughout.
 */

const TOKEN = 'viewer-token-of-at-least-32-characters';
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/**
 * Connects to `socketPath` as uid/gid 65534 (setpriv) and reports what happened:
 * `connect-error <errno>`, or `received <bytes>` once camerad closed the connection (or 3 s passed).
 */
async function connectAsNobody(socketPath: string): Promise<string> {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX)',
    'try:',
    '    s.connect(sys.argv[1])',
    'except OSError as e:',
    '    print("connect-error", e.errno); sys.exit(0)',
    's.settimeout(3)',
    'data = b""',
    'try:',
    '    while True:',
    '        d = s.recv(65536)',
    '        if not d: break',
    '        data += d',
    'except socket.timeout:',
    '    print("open-after-3s", len(data)); sys.exit(0)',
    'except OSError:',
    '    pass',
    'print("received", len(data))',
  ].join('\n');
  const { stdout } = await promisify(execFile)('setpriv', [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    PYTHON,
    '-c',
    script,
    socketPath,
  ]);
  return stdout.trim();
}

/** Connects as this user; resolves with the bytes received before camerad closed it (or 3 s). */
async function connectSameUser(socketPath: string): Promise<{ bytes: number; closedByPeer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let bytes = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ bytes, closedByPeer: false });
    }, 3000);
    socket.on('data', (d) => (bytes += d.length));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes, closedByPeer: true });
    });
  });
}

describe('security: camerad’s control socket (item 7)', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let socketPath = '';

  const framesOut = async (): Promise<number> => {
    const res = await fetch(`${ctx.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const status = (await res.json()) as { cameras: { frames_out: number; state: string }[] };
    assert.equal(status.cameras[0]!.state, 'running');
    return status.cameras[0]!.frames_out;
  };
  /** The server's camera still runs on the same camerad and its frame count keeps rising. */
  const stillStreaming = async (pid: number): Promise<void> => {
    const camera = ctx.server.cameras.get('cam')!;
    const before = await framesOut();
    await waitFor(() => (camera.supervisor.stats?.frames_out ?? 0) > before + 10, 10_000, 'frames still flowing');
    assert.ok((await framesOut()) > before);
    assert.equal(camera.supervisor.pid, pid, 'the same camerad');
    assert.equal(camera.supervisor.restarts, 0, 'no reconnect or restart');
    assert.equal(camera.supervisor.state, 'running');
  };

  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAS: JSON.stringify([
        {
          id: 'cam',
          source: 'test://',
          width: 320,
          height: 240,
          fps: 15,
          bitrateKbps: 300,
          rtpPort: await freeUdpPort(),
        },
      ]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
    socketPath = ctx.config.cameras[0]!.socketPath;
  });
  after(async () => ctx?.close());

  it('the socket is 0600 in a 0700 runtime folder', () => {
    assert.ok(statSync(socketPath).isSocket());
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(socketPath)).mode & 0o777, 0o700);
  });

  it(
    'uid 65534 cannot connect (EACCES), and with the file opened up camerad still refuses it (SO_PEERCRED)',
    {
      skip: asRoot ? false : 'needs root to run a client as uid 65534',
    },
    async () => {
      const pid = ctx.server.cameras.get('cam')!.supervisor.pid!;
      assert.equal(await connectAsNobody(socketPath), 'connect-error 13', 'EACCES: folder 0700, socket 0600');
      // A misconfigured box (folder and socket opened to everyone): the peer check still holds.
      chmodSync(dirname(socketPath), 0o711);
      chmodSync(socketPath, 0o666);
      try {
        assert.equal(await connectAsNobody(socketPath), 'received 0', 'closed at once, not even a hello');
      } finally {
        chmodSync(socketPath, 0o600);
        chmodSync(dirname(socketPath), 0o700);
      }
      await stillStreaming(pid);
    },
  );

  it('a second client of the same uid is refused while the server stays connected', async () => {
    const camera = ctx.server.cameras.get('cam')!;
    const pid = camera.supervisor.pid!;
    for (let i = 0; i < 3; i += 1) {
      const second = await connectSameUser(socketPath);
      assert.deepEqual(second, { bytes: 0, closedByPeer: true }, 'closed by camerad without a hello');
    }
    // The server's connection is the one that works: requests are answered.
    assert.deepEqual(await camera.supervisor.request('ping'), {});
    await stillStreaming(pid);
  });
});
