import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';

/**
 * Attack: a local process sends its own RTP to the camera's ingest port (127.0.0.1:rtpPort), with
 * camerad's payload type (and its SSRC, as if it knew it), to show its pictures to every viewer —
 * from any port, and from camerad's old port while camerad restarts. No forged packet may reach a
 * WebRTC viewer.
 */

const TOKEN = 'viewer-token-of-at-least-32-characters';
const MARKER = Buffer.from('FORGED-RTP-MARKER-7f3a');

/** An RTP packet (RFC 3550 §5.1, PT 96) carrying a non-IDR H.264 slice NAL (RFC 6184 §5.6) and the marker. */
function forged(seq: number, ssrc: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x80 | 96; // marker bit: a complete frame
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 6000) >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, Buffer.from([0x41, 0x9a]), MARKER]);
}

async function bindUdp(port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return socket;
}

async function send(socket: Socket, packet: Buffer, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    socket.send(packet, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
}

describe('security: forged UDP to the RTP ingest never reaches a viewer (item 7)', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let viewer: WeriftTestClient;
  let rtpPort = 0;

  const carriesMarker = (): boolean => viewer.packets.some((p) => p.payload.includes(MARKER));
  const camera = () => ctx.server.cameras.get('cam')!;

  before(async () => {
    rtpPort = await freeUdpPort();
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__BACKOFF_INITIAL_MS: '200',
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 15, bitrateKbps: 300, rtpPort },
      ]),
    });
    await camera().supervisor.waitRunning(30_000);
    viewer = new WeriftTestClient();
    const res = await fetch(`${ctx.url}/whep/cam`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/sdp' },
      body: await viewer.createOffer(),
    });
    assert.equal(res.status, 201);
    await viewer.setAnswer(await res.text());
    await waitFor(() => viewer.packets.length > 20, 30_000, 'RTP at the viewer');
  });
  after(async () => {
    await viewer?.close();
    await ctx?.close();
  });

  it('hello names camerad’s RTP source port; only its packets are taken', () => {
    const hello = camera().supervisor.hello!;
    assert.equal(typeof hello.rtp_source_port, 'number');
    assert.ok(hello.rtp_source_port! > 0 && hello.rtp_source_port !== rtpPort);
    assert.ok(camera().ingestStats.packets > 20);
  });

  it('from another local port: every packet dropped and counted, the viewer keeps the real stream', async () => {
    const ssrc = camera().supervisor.hello!.rtp.ssrc;
    const foreignBefore = camera().ingestStats.foreign;
    const viewerBefore = viewer.packets.length;
    const attacker = await bindUdp();
    try {
      for (let i = 0; i < 200; i += 1) {
        await send(attacker, forged(i, ssrc), rtpPort);
        if (i % 20 === 19) await sleep(20);
      }
    } finally {
      attacker.close();
    }
    await waitFor(() => viewer.packets.length > viewerBefore + 30, 15_000, 'more real RTP at the viewer');
    assert.equal(carriesMarker(), false, 'no forged payload delivered');
    assert.ok(camera().ingestStats.foreign - foreignBefore >= 200, 'each forged packet counted as foreign');
  });

  // The attacker can bind the dead camerad's port before the server has seen the death (the
  // control socket's hang-up and the first forged datagram race in the event loop); what it cannot
  // know is the SSRC, random per camerad and rewritten before any viewer sees the stream, so it
  // guesses one (a fresh random one per packet).
  it('from camerad’s old port while it restarts: dropped, and the new hello names a new port', async () => {
    const oldPid = camera().supervisor.pid!;
    const oldPort = camera().supervisor.hello!.rtp_source_port!;
    const guess = () => Math.floor(Math.random() * 0xffffffff);
    const foreignBefore = camera().ingestStats.foreign;
    process.kill(oldPid, 'SIGKILL');
    // Take the dead camerad's port as soon as the kernel frees it.
    let attacker: Socket | undefined;
    const deadline = Date.now() + 5000;
    while (!attacker) {
      try {
        attacker = await bindUdp(oldPort);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(5);
      }
    }
    let sent = 0;
    try {
      const restarted = () => camera().supervisor.state === 'running' && camera().supervisor.pid !== oldPid;
      while (!restarted()) {
        await send(attacker, forged(1000 + sent, guess()), rtpPort);
        sent += 1;
        await sleep(10);
        if (sent > 3000) throw new Error('camerad did not come back');
      }
      // And a while after the new hello.
      for (let i = 0; i < 50; i += 1) {
        await send(attacker, forged(1000 + sent, guess()), rtpPort);
        sent += 1;
        await sleep(10);
      }
    } finally {
      attacker.close();
    }
    const newPort = camera().supervisor.hello!.rtp_source_port!;
    assert.notEqual(newPort, oldPort, 'the old port was the attacker’s');
    const viewerAfter = viewer.packets.length;
    await waitFor(() => viewer.packets.length > viewerAfter + 30, 20_000, 'the viewer gets the new camerad’s RTP');
    assert.equal(carriesMarker(), false, 'no forged payload delivered');
    assert.ok(camera().ingestStats.foreign - foreignBefore >= sent, `${sent} forged packets counted as foreign`);
  });
});
