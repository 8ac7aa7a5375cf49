import { randomBytes } from 'node:crypto';
import { RTCPeerConnection } from 'werift';
import { gatheringComplete, loopbackClientPeerConfig } from '../../media/sfu/werift/weriftConfig.js';
import { CountingReceive } from '../fanout/CountingReceive.js';
import type { ViewerStats } from '../fanout/LoadgenProtocol.js';

/** What `POST /api/cameras/:camera/janus` answers. */
interface Grant {
  publicUrl: string;
  token: string;
  mountpoint: number;
  pin: string;
}

/**
 * A receive-only Janus viewer for load generation, as a browser with janus.js does it: a token
 * from the server (`POST /api/cameras/:camera/janus`), a Janus session with it, a Streaming
 * plugin handle, `watch` (id, pin), Janus's offer answered by a werift peer, `start`; a session
 * keepalive every 20 s. Like bench/fanout/BenchViewer.ts it counts RTP sequence gaps on the
 * encrypted datagrams instead of decrypting them (bench/fanout/CountingReceive.ts, which says
 * why), only the video's payload type 96 (Janus's rtx stream, pt 97, has its own SSRC and
 * sequence), so that 50 viewers fit beside Janus and the box
 * on two cores. It sends no RTCP of its own: Janus (full ICE, consent checks) does not drop a
 * viewer for that.
 */
export class JanusBenchViewer {
  readonly index: number;
  readonly #pc: RTCPeerConnection;
  readonly #receive = new CountingReceive();
  #session: { url: string; token: string } | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(index: number) {
    this.index = index;
    this.#pc = new RTCPeerConnection(loopbackClientPeerConfig());
    this.#pc.onTransceiverAdded.subscribe((t) => this.#receive.install(t.dtlsTransport, { payloadType: 96 }));
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
    return this.#receive.stats({ index: this.index, state: this.#pc.connectionState, rtcpSent: 0, rtcpErrors: 0 });
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
}
