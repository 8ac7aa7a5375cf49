import { randomBytes } from 'node:crypto';
import { RTCPeerConnection, type RTCDtlsTransport } from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';
import type { ViewerStats } from '../fanout/LoadgenProtocol.js';
import { RtpSequenceCounter } from '../fanout/RtpSequenceCounter.js';

/** What `POST /api/cameras/:camera/janus` answers. */
interface Grant {
  publicUrl: string;
  token: string;
  mountpoint: number;
  pin: string;
}

/** Marks a DTLS transport whose SRTP receive path was replaced. */
const CHEAP_RECEIVE = Symbol('janusBenchViewerCheapReceive');

/**
 * A receive-only Janus viewer for load generation, as a browser with janus.js does it: a token
 * from the server (`POST /api/cameras/:camera/janus`), a Janus session with it, a Streaming
 * plugin handle, `watch` (id, pin), Janus's offer answered by a werift peer, `start`; a session
 * keepalive every 20 s. Like bench/fanout/BenchViewer.ts it counts RTP sequence gaps on the
 * encrypted datagrams instead of decrypting them (werift's `startSrtp` replaced on this
 * transport instance; see that class for why), so that 50 viewers fit beside Janus and the box
 * on two cores. It sends no RTCP of its own: Janus (full ICE, consent checks) does not drop a
 * viewer for that.
 */
export class JanusBenchViewer {
  readonly index: number;
  readonly #pc: RTCPeerConnection;
  readonly #counter = new RtpSequenceCounter();
  readonly #startedAt = performance.now();
  #firstPacketAt: number | undefined;
  #rtcpReceived = 0;
  #session: { url: string; token: string } | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(index: number) {
    this.index = index;
    this.#pc = new RTCPeerConnection(loopbackClientPeerConfig());
    this.#pc.onTransceiverAdded.subscribe((t) => this.#installCheapReceive(t.dtlsTransport));
  }

  /**
   * Joins: token, session, attach, watch, answer, start. Resolves once `start` is accepted.
   * @param mintUrl the server's `POST /api/cameras/:camera/janus` URL (on 127.0.0.1).
   * @throws Error when the server or Janus refuses.
   */
  static async connect(mintUrl: string, index: number): Promise<JanusBenchViewer> {
    const viewer = new JanusBenchViewer(index);
    try {
      const res = await fetch(mintUrl, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`mint: HTTP ${res.status} ${await res.text()}`);
      const grant = (await res.json()) as Grant;
      await viewer.#join(grant);
      return viewer;
    } catch (error) {
      await viewer.close();
      throw error;
    }
  }

  async #join(grant: Grant): Promise<void> {
    const post = async (url: string, body: Record<string, unknown>) => {
      const r = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ ...body, token: grant.token, transaction: randomBytes(6).toString('hex') }),
        signal: AbortSignal.timeout(10_000),
      });
      const json = (await r.json()) as { janus: string; data?: { id: number }; error?: { reason: string } };
      if (json.janus === 'error') throw new Error(`Janus ${String(body.janus)}: ${json.error?.reason}`);
      return json;
    };
    const created = await post(grant.publicUrl, { janus: 'create' });
    const sessionUrl = `${grant.publicUrl}/${created.data!.id}`;
    this.#session = { url: sessionUrl, token: grant.token };
    const attached = await post(sessionUrl, { janus: 'attach', plugin: 'janus.plugin.streaming' });
    const handleUrl = `${sessionUrl}/${attached.data!.id}`;
    await post(handleUrl, { janus: 'message', body: { request: 'watch', id: grant.mountpoint, pin: grant.pin } });
    const offer = await this.#nextJsep(sessionUrl, grant.token);
    await this.#pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    await gatheringComplete(this.#pc, 2000);
    await post(handleUrl, {
      janus: 'message',
      body: { request: 'start' },
      jsep: { type: 'answer', sdp: this.#pc.localDescription!.sdp },
    });
    this.#keepalive = setInterval(() => {
      void post(sessionUrl, { janus: 'keepalive' }).catch(() => undefined);
    }, 20_000);
  }

  /** Long-polls the session's events until one carries a JSEP offer (≤ 10 s). */
  async #nextJsep(sessionUrl: string, token: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const r = await fetch(`${sessionUrl}?token=${token}&maxev=10&rid=${Date.now()}`, {
        signal: AbortSignal.timeout(35_000),
      });
      const events = (await r.json()) as
        | { jsep?: { sdp: string }; plugindata?: { data?: { error?: string } } }
        | { jsep?: { sdp: string }; plugindata?: { data?: { error?: string } } }[];
      for (const e of Array.isArray(events) ? events : [events]) {
        if (e.plugindata?.data?.error) throw new Error(`Janus watch: ${e.plugindata.data.error}`);
        if (e.jsep?.sdp) return e.jsep.sdp;
      }
    }
    throw new Error('no offer from Janus within 10 s');
  }

  get state(): string {
    return this.#pc.connectionState;
  }

  stats(): ViewerStats {
    const totals = this.#counter.totals();
    return {
      index: this.index,
      state: this.#pc.connectionState,
      packets: totals.packets,
      bytes: totals.bytes,
      lost: totals.lost,
      duplicates: totals.duplicates,
      reordered: totals.reordered,
      ssrcChanges: totals.ssrcChanges,
      rtcpReceived: this.#rtcpReceived,
      rtcpSent: 0,
      rtcpErrors: 0,
      firstPacketMs: this.#firstPacketAt === undefined ? null : Math.round(this.#firstPacketAt - this.#startedAt),
    };
  }

  /** Destroys the Janus session (2 s at most) and closes the peer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    const s = this.#session;
    if (s) {
      await fetch(s.url, {
        method: 'POST',
        body: JSON.stringify({ janus: 'destroy', token: s.token, transaction: 'bye' }),
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
    }
    await this.#pc.close();
  }

  /** Replaces `startSrtp` on this transport instance (bench/fanout/BenchViewer.ts explains it). */
  #installCheapReceive(transport: RTCDtlsTransport): void {
    const hooked = transport as RTCDtlsTransport & { [CHEAP_RECEIVE]?: true };
    if (hooked[CHEAP_RECEIVE]) return;
    hooked[CHEAP_RECEIVE] = true;
    const counter = this.#counter;
    const onDatagram = (data: Buffer): void => {
      const b0 = data[0]!;
      if (b0 < 128 || b0 > 191) return;
      const b1 = data[1]!;
      if (b1 >= 192 && b1 <= 223) {
        this.#rtcpReceived += 1;
        return;
      }
      if (data.length < 12) return;
      // Janus's rtx stream (pt 97) has its own SSRC and sequence: only the video's counts.
      if ((b1 & 0x7f) !== 96) return;
      counter.push((data[2]! << 8) | data[3]!, data.readUInt32BE(8), data.length);
      if (this.#firstPacketAt === undefined) this.#firstPacketAt = performance.now();
    };
    hooked.startSrtp = function startSrtpCountingOnly(this: RTCDtlsTransport): void {
      if (this.srtpStarted) return;
      this.srtpStarted = true;
      this.updateSrtpSession();
      this.iceTransport.connection.onData.subscribe(onDatagram);
    };
  }
}
