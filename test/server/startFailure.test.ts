import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import { Server } from '../../server/Server.js';
import { requireCamerad } from '../helpers/camerad.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { testLogger } from '../helpers/logger.js';

/** Binds and releases a UDP port on 127.0.0.1: resolves when it was free. */
const udpFree = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve()));
  });

describe('a server that cannot start', () => {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ecs-start-'));
  after(() => rmSync(runtimeDir, { recursive: true, force: true }));

  it('fails on a taken HTTP port and leaves nothing behind: the same settings start on a free one', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as AddressInfo).port;
    const rtpPort = await freeUdpPort(true);
    const config = (port: number) =>
      loadConfig(projectRoot(), undefined, {
        ECS_SERVER__PORT: String(port),
        ECS_CAMERAD__RUNTIME_DIR: runtimeDir,
        ECS_VISION__ENABLED: 'false',
        ECS_STORAGE__DATA_DIR: join(runtimeDir, 'state'),
        ECS_CAMERAD__RTP_BASE_PORT: String(rtpPort),
        ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
      });
    const failing = config(takenPort);
    requireCamerad(failing.camerad.binary);
    try {
      await assert.rejects(
        Server.create(failing, testLogger),
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${takenPort}`),
      );
    } finally {
      taken.close();
    }
    // The camera built before the failure was closed: its RTP port is free again.
    await udpFree(failing.cameras[0]!.rtpPort);
    // And so were camerad, the SFU and the database: a server on the same settings starts.
    const server = await Server.create(config(0), testLogger);
    try {
      assert.deepEqual([...server.cameras.keys()], ['cam']);
    } finally {
      await server.close();
    }
  });
});
