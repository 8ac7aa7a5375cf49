import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CameradError, InvalidStateError } from '../../../media/core/errors.js';
import { MjpegHub } from '../../../media/mjpeg/MjpegHub.js';
import { mjpegSchema } from '../../../media/mjpeg/mjpegConfig.js';
import { testLogger } from '../../helpers/logger.js';
import { waitFor } from '../../helpers/weriftClient.js';
import { FakeStillCamera } from './FakeStillCamera.js';
import { MjpegTestClient } from './MjpegTestClient.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DELAY_MS = 150;

describe('MjpegHub with a fake camera over real HTTP connections', () => {
  let server: Server;
  let url: string;
  /** The hub the next request joins. */
  let hub: MjpegHub;
  const readers: MjpegTestClient[] = [];

  before(async () => {
    server = createServer((_req, res) => {
      hub.addClient(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    for (const reader of readers) reader.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function join(): Promise<MjpegTestClient> {
    const before = hub.clients;
    const reader = new MjpegTestClient(url);
    readers.push(reader);
    await reader.responded();
    await waitFor(() => hub.clients === before + 1, 2000, 'the hub to count the client');
    return reader;
  }

  function newHub(camera: FakeStillCamera, variant: 'clean' | 'overlays' = 'clean'): MjpegHub {
    hub = new MjpegHub({
      camera,
      variant,
      fps: 12,
      quality: 70,
      queueFrames: 2,
      disableDelayMs: DELAY_MS,
      logger: testLogger,
    });
    return hub;
  }

  it('switches the variant on with the first client, off a little after the last, and fans stills out', async () => {
    const camera = new FakeStillCamera('cam');
    newHub(camera, 'overlays');
    assert.deepEqual(camera.calls, [], 'nothing encoded without a client');
    assert.equal(camera.listeners, 1);
    const a = await join();
    await waitFor(() => hub.enabled, 2000, 'stills on');
    assert.deepEqual(camera.calls, [{ variant: 'overlays', enabled: true, fps: 12, quality: 70 }]);
    const b = await join();
    assert.equal(camera.calls.length, 1, 'a second client asks nothing of camerad');
    const sent = camera.emit('overlays', 5000);
    sent.jpeg.fill(0); // the hub copied the still: camerad's buffer is valid during the call only
    await waitFor(() => a.count === 1 && b.count === 1, 2000, 'a still at each client');
    assert.equal(a.lastJpeg![2], 1, 'frame 1 as it was when delivered');
    camera.emit('clean'); // the other variant's still: not this hub's
    camera.emit('overlays', 5000);
    await waitFor(() => a.count === 2 && b.count === 2, 2000, 'two stills at each client');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(
      a.parts.map((p) => p.bytes),
      [5000, 5000],
    );
    assert.equal(a.lastJpeg![2], 3, 'the second overlays still is frame 3');
    assert.equal(hub.stats().stills, 2);
    a.close();
    b.close();
    await waitFor(() => hub.clients === 0, 2000, 'clients gone');
    assert.equal(camera.calls.length, 1, 'not switched off at once');
    await waitFor(() => !hub.enabled, DELAY_MS + 2000, 'stills off');
    assert.deepEqual(camera.calls.at(-1), { variant: 'overlays', enabled: false });
    await hub.close();
  });

  it('a reload within the delay does not switch the variant off and on', async () => {
    const camera = new FakeStillCamera('cam');
    newHub(camera);
    const a = await join();
    await waitFor(() => hub.enabled, 2000, 'stills on');
    a.close();
    await waitFor(() => hub.clients === 0, 2000, 'client gone');
    await sleep(DELAY_MS / 3);
    const b = await join();
    await sleep(DELAY_MS * 2);
    assert.deepEqual(
      camera.calls.map((c) => c.enabled),
      [true],
    );
    camera.emit('clean');
    await waitFor(() => b.count === 1, 2000, 'a still after the reload');
    await hub.close();
    assert.deepEqual(
      camera.calls.map((c) => c.enabled),
      [true, false],
      'close switches the variant off',
    );
  });

  it('camerad not connected: the wish stays with the camera; a refusal is retried by the next client', async () => {
    const camera = new FakeStillCamera('cam');
    camera.running = false;
    newHub(camera);
    await join();
    await waitFor(() => hub.enabled, 2000, 'the wish to be handed over');
    assert.equal(camera.calls.length, 1);
    await hub.close();

    const refusing = new FakeStillCamera('cam2');
    refusing.failWith = new CameradError('bad_request', 'fps out of range');
    newHub(refusing);
    await join();
    await waitFor(() => refusing.calls.length === 1, 2000, 'one try');
    await sleep(50);
    assert.equal(hub.enabled, false);
    refusing.failWith = undefined;
    await join();
    await waitFor(() => hub.enabled, 2000, 'the retry');
    assert.equal(refusing.calls.length, 2);
    await hub.close();
  });

  it('close() ends every client, stops listening, is idempotent, refuses new clients', async () => {
    const camera = new FakeStillCamera('cam');
    newHub(camera);
    const a = await join();
    const b = await join();
    await waitFor(() => hub.enabled, 2000, 'stills on');
    await Promise.all([hub.close(), hub.close()]);
    await waitFor(() => a.ended && b.ended, 2000, 'the responses to end');
    assert.equal(hub.clients, 0);
    assert.equal(camera.listeners, 0);
    assert.deepEqual(hub.stats().clientStats, []);
    assert.deepEqual(
      camera.calls.map((c) => c.enabled),
      [true, false],
    );
    assert.throws(() => hub.addClient({} as never), InvalidStateError);
  });

  it('counts the frames a slow client lost, and keeps the count after it left (the drops metric)', async () => {
    const camera = new FakeStillCamera('cam');
    newHub(camera);
    const slow = await join();
    await waitFor(() => hub.enabled, 2000, 'stills on');
    slow.pause();
    // 25 MiB of stills to a client that does not read: far more than the kernel's socket buffers.
    for (let i = 0; i < 400 && hub.dropped === 0; i += 1) {
      camera.emit('clean', 64 * 1024);
      if (i % 20 === 19) await sleep(2);
    }
    const dropped = hub.dropped;
    assert.ok(dropped > 0, 'drops counted while the client is connected');
    assert.equal(hub.stats().dropped, dropped);
    slow.close();
    await waitFor(() => hub.clients === 0, 2000, 'the slow client gone');
    assert.ok(hub.stats().dropped >= dropped, `drops kept after the client left: ${hub.stats().dropped}`);
    await hub.close();
  });

  it('rejects settings out of range', () => {
    const camera = new FakeStillCamera('cam');
    const make = (o: object) =>
      new MjpegHub({ camera, variant: 'clean', logger: testLogger, ...mjpegSchema.parse({}), ...o });
    assert.throws(() => make({ fps: 0 }), TypeError);
    assert.throws(() => make({ fps: 31 }), TypeError);
    assert.throws(() => make({ quality: 0 }), TypeError);
    assert.throws(() => make({ quality: 50.5 }), TypeError);
    assert.throws(() => make({ queueFrames: 0 }), TypeError);
    assert.throws(() => make({ disableDelayMs: -1 }), TypeError);
  });
});
