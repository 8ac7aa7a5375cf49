import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { NotFoundError } from '../../media/core/errors.js';
import { startsKeyframe } from '../../media/rtp/h264.js';
import { RtpIngest } from '../../media/rtp/RtpIngest.js';
import type { Sfu, SfuCamera, SfuNetworkOptions } from '../../media/sfu/SfuTypes.js';
import { startGstRtpSender, stopProcess } from '../helpers/gstRtpSender.js';
import { testLogger } from '../helpers/logger.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';

/** Network settings every implementation is tested with: loopback only. */
export const contractNetwork: SfuNetworkOptions = {
  announcedAddresses: ['127.0.0.1'],
  bindAddress: '127.0.0.1',
  portRange: [41000, 41999],
  viewerTimeoutMs: 15_000,
};

/**
 * The contract every {@link Sfu} meets, run against each implementation (werift now,
 * mediasoup later). RTP comes from a real GStreamer x264 pipeline through a real RtpIngest;
 * viewers are real werift WebRTC clients (ICE, DTLS-SRTP, RTCP) on 127.0.0.1.
 */
export function sfuContract(name: string, createSfu: () => Sfu | Promise<Sfu>): void {
  describe(`Sfu contract: ${name}`, () => {
    let sfu: Sfu;
    let ingest: RtpIngest;
    let sender: ChildProcess | undefined;
    const keyframeReasons: string[] = [];
    const camera = (): SfuCamera => ({
      id: 'cam',
      source: ingest,
      requestKeyframe: (reason) => keyframeReasons.push(reason),
    });

    before(async () => {
      sfu = await createSfu();
      // The RTP comes from the test's own GStreamer sender, not from camerad.
      ingest = await RtpIngest.create({ port: 0, acceptFrom: 'any' }, testLogger);
      // Keyframes only every 300 frames (10 s): a viewer that starts cleanly proves the gate.
      sender = startGstRtpSender({ port: ingest.port, keyframeInterval: 300 });
      sfu.addCamera(camera());
      await waitFor(() => ingest.stats.packets > 0, 15_000, 'RTP from GStreamer');
    });

    after(async () => {
      await sfu.close();
      ingest.close();
      await stopProcess(sender);
    });

    it('rejects a viewer of an unknown camera with NotFoundError', async () => {
      await assert.rejects(sfu.createViewer('nope', 'v=0\r\n'), NotFoundError);
    });

    it('answers with ICE-lite host candidates on the announced address only', async () => {
      const client = new WeriftTestClient();
      try {
        const { answerSdp, viewerId } = await sfu.createViewer('cam', await client.createOffer());
        assert.match(answerSdp, /a=ice-lite/);
        const candidates = answerSdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
        assert.ok(candidates.length > 0, 'answer has candidates');
        for (const c of candidates) assert.match(c, / 127\.0\.0\.1 \d+ typ host/);
        assert.ok(sfu.closeViewer('cam', viewerId));
      } finally {
        await client.close();
      }
    });

    it('starts each viewer at a keyframe from the GOP cache, continuous into the live stream', async () => {
      keyframeReasons.length = 0;
      const client = new WeriftTestClient();
      try {
        const { answerSdp, viewerId } = await sfu.createViewer('cam', await client.createOffer());
        await client.setAnswer(answerSdp);
        // The sender's IDRs are 10 s apart; the viewer joins mid-GOP and still starts at a
        // keyframe: the cached one, replayed, so no keyframe has to be forced.
        await waitFor(() => client.packets.length > 100, 30_000, '100 RTP packets at the client');
        assert.ok(startsKeyframe(client.packets[0]!.serialize()), 'first packet starts an SPS/IDR');
        const info = sfu.viewers('cam').find((v) => v.id === viewerId)!;
        await waitFor(() => sfu.viewers('cam')[0]?.replayedPackets !== undefined, 5000, 'viewer counters');
        assert.equal(info.state, 'connected');
        assert.ok(!keyframeReasons.includes('viewer-join'), `no forced keyframe (asked: ${keyframeReasons.join()})`);
        // Replayed and live packets carry one run of sequence numbers: no gap, no repeat.
        const seqs = client.packets.slice(0, 100).map((p) => p.header.sequenceNumber);
        for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1]! + 1) & 0xffff, `sequence at ${i}`);
        await waitFor(() => (sfu.viewers('cam')[0]?.replayedPackets ?? 0) > 0, 5000, 'replay counted');
        assert.equal(sfu.viewers('cam').length, 1);
      } finally {
        await client.close();
      }
    });

    it('turns a viewer PLI into a keyframe request', async () => {
      const client = new WeriftTestClient();
      try {
        const { answerSdp } = await sfu.createViewer('cam', await client.createOffer());
        await client.setAnswer(answerSdp);
        await waitFor(() => client.packets.length > 0, 30_000, 'RTP at the client');
        keyframeReasons.length = 0;
        client.sendPli();
        await waitFor(() => keyframeReasons.includes('pli'), 10_000, 'a PLI-triggered keyframe request');
      } finally {
        await client.close();
      }
    });

    it('sends NACKed packets again with their sequence numbers', async () => {
      const client = new WeriftTestClient();
      try {
        const { answerSdp, viewerId } = await sfu.createViewer('cam', await client.createOffer());
        await client.setAnswer(answerSdp);
        await waitFor(() => client.packets.length > 40, 30_000, '40 RTP packets at the client');
        const wanted = client.packets.slice(10, 13).map((p) => p.header.sequenceNumber);
        const copies = (seq: number) => client.packets.filter((p) => p.header.sequenceNumber === seq).length;
        client.sendNack(wanted);
        await waitFor(() => wanted.every((seq) => copies(seq) === 2), 10_000, 'the NACKed packets a second time').catch(
          (error: Error) => {
            const info = sfu.viewers('cam').find((v) => v.id === viewerId);
            const seqs = client.packets.slice(0, 60).map((p) => p.header.sequenceNumber);
            throw new Error(
              `${error.message}: wanted ${wanted} copies ${wanted.map(copies)} info ${JSON.stringify(info)} seqs ${seqs}`,
            );
          },
        );
        const original = client.packets.find((p) => p.header.sequenceNumber === wanted[0])!;
        const resent = client.packets.findLast((p) => p.header.sequenceNumber === wanted[0])!;
        assert.deepEqual(resent.payload, original.payload, 'same payload');
        await waitFor(
          () => (sfu.viewers('cam').find((v) => v.id === viewerId)?.retransmits ?? 0) >= 3,
          5000,
          'retransmits counted',
        );
      } finally {
        await client.close();
      }
    });

    it('closes viewers on DELETE, reports them closed, and 404s the second time', async () => {
      const closed: string[] = [];
      const off = sfu.onViewerClosed((v) => closed.push(v.id));
      const client = new WeriftTestClient();
      try {
        for (const v of sfu.viewers('cam')) sfu.closeViewer('cam', v.id);
        const { viewerId } = await sfu.createViewer('cam', await client.createOffer());
        assert.equal(sfu.closeViewer('cam', viewerId), true);
        assert.equal(sfu.closeViewer('cam', viewerId), false);
        assert.ok(closed.includes(viewerId));
        assert.deepEqual(sfu.viewers('cam'), []);
      } finally {
        off();
        await client.close();
      }
    });

    it('removeCamera closes its viewers and leaves no listener on the source', async () => {
      const client = new WeriftTestClient();
      try {
        await sfu.createViewer('cam', await client.createOffer());
        assert.equal(ingest.listenerCount, 1);
        sfu.removeCamera('cam');
        assert.deepEqual(sfu.viewers('cam'), []);
        assert.equal(ingest.listenerCount, 0);
        sfu.addCamera(camera());
      } finally {
        await client.close();
      }
    });
  });
}
