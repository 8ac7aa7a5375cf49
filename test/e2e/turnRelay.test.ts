import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import { TurnCredentials } from '../../media/sfu/ice/TurnCredentials.js';
import type { IceServer } from '../../media/sfu/ice/IceServer.js';
import { parseIceServerLinks } from '../../media/whep/iceServerLinks.js';
import { pollUntil } from '../helpers/browser.js';
import { collectPageErrors, readPlayer } from '../helpers/playerPage.js';
import { Coturn } from '../helpers/Coturn.js';
import { assertNoEgress } from '../helpers/egress.js';
import { type Link, TestNetwork } from '../helpers/TestNetwork.js';
import { startTestServer } from '../helpers/testServer.js';

/**
 * Must-show 2 of issue 13 (docs/remote-access.md, "TURN"): WebRTC through a real coturn
 * (Debian's turnserver, use-auth-secret) with credentials the server mints, driven by a real
 * Chromium acting as a third-party WHEP player (WHEP by hand in the page).
 *
 * Topology (TestNetwork, 198.18.0.0/15):
 *
 *     box (this process: server, camerad, werift) --l1-- turn ns (coturn on l1.b)
 *          \                                               |
 *           `--l2 (TCP only: every UDP packet dropped and counted)--- viewer ns (Chromium) --l3--'
 *
 * The viewer reaches coturn through l3 (its default route, and l1's subnet, via the turn
 * namespace), and the box over l2 for HTTP only. coturn (no forwarding in its namespace) reaches the box at l1.a and
 * the viewer at l3.b; the box has no path to the viewer's addresses but the TURN server.
 */

const VIEWER = 'turn-e2e-viewer-token-0123456789';
const SECRET = 'turn-e2e-shared-secret-0123456789';
const CAMERA = 'cam';
const TTL_S = 300;

/** What the page's WHEP run reports. */
interface WhepResult {
  status: number;
  link: string | null;
  answer: string;
  gathered: string[];
  candidateErrors: { errorCode: number; url: string }[];
}

/** Stats of the page's peer connection. */
interface PcStats {
  framesDecoded: number;
  width: number;
  iceState: string;
  local: string | null;
  remote: string | null;
  /** STUN round trip of the selected pair, ms (null before one). */
  rttMs: number | null;
}

/**
 * WHEP by hand in the page (a third-party player): RTCPeerConnection with `iceServers` and
 * `policy`, a recvonly video transceiver, the offer with every candidate (gathering waited for,
 * 5 s at most), `POST /whep/:camera`, the answer. `post: false` stops after gathering.
 */
async function whepInPage(
  page: Page,
  options: { iceServers: IceServer[]; policy: 'relay' | 'all'; post: boolean },
): Promise<WhepResult> {
  return page.evaluate(
    async ({ iceServers, policy, post, token, camera }) => {
      const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: policy });
      (window as unknown as { __pc: RTCPeerConnection }).__pc = pc;
      const gathered: string[] = [];
      const candidateErrors: { errorCode: number; url: string }[] = [];
      pc.addEventListener('icecandidate', (e) => {
        if (e.candidate) gathered.push(e.candidate.type ?? 'unknown');
      });
      pc.addEventListener('icecandidateerror', (e) => {
        const ev = e as RTCPeerConnectionIceErrorEvent;
        candidateErrors.push({ errorCode: ev.errorCode, url: ev.url });
      });
      pc.addTransceiver('video', { direction: 'recvonly' });
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      document.body.append(video);
      pc.addEventListener('track', (e) => {
        video.srcObject = new MediaStream([e.track]);
      });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            clearTimeout(timer);
            resolve();
          }
        });
        if (pc.iceGatheringState === 'complete') resolve();
      });
      if (!post) return { status: 0, link: null, answer: '', gathered, candidateErrors };
      const res = await fetch(`/whep/${camera}`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
        body: pc.localDescription!.sdp,
      });
      const answer = await res.text();
      if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      return { status: res.status, link: res.headers.get('link'), answer, gathered, candidateErrors };
    },
    { ...options, token: VIEWER, camera: CAMERA },
  );
}

/**
 * Frames decoded, ICE state and the selected pair's candidate types (getStats) of the page's hand
 * WHEP peer connection, or (`camera`) of the viewer page's player for that camera.
 */
async function pcStats(page: Page, camera?: string): Promise<PcStats> {
  return page.evaluate(async (id) => {
    const w = window as unknown as {
      __pc: RTCPeerConnection;
      __viewer?: { players: Map<string, { pc: RTCPeerConnection | null }> };
    };
    const pc = id === null ? w.__pc : w.__viewer!.players.get(id)!.pc!;
    const stats = await pc.getStats();
    let framesDecoded = 0;
    let width = 0;
    let pairId: string | undefined;
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        framesDecoded = Number(s.framesDecoded ?? 0);
        width = Number(s.frameWidth ?? 0);
      }
      if (s.type === 'transport') pairId = s.selectedCandidatePairId as string | undefined;
    });
    // (no named inner functions: tsx would wrap them in a __name helper the page lacks)
    const pair = pairId ? (stats.get(pairId) as Record<string, string> | undefined) : undefined;
    const local = pair ? (stats.get(pair.localCandidateId!) as { candidateType?: string } | undefined) : undefined;
    const remote = pair ? (stats.get(pair.remoteCandidateId!) as { candidateType?: string } | undefined) : undefined;
    return {
      framesDecoded,
      width,
      iceState: pc.iceConnectionState,
      local: local?.candidateType ?? null,
      remote: remote?.candidateType ?? null,
      rttMs: pair?.currentRoundTripTime !== undefined ? Number(pair.currentRoundTripTime) * 1000 : null,
    };
  }, camera ?? null);
}

const reason =
  TestNetwork.skipReason({ nft: true, chromium: true }) ??
  (spawnSync('turnserver', ['--version']).error
    ? 'coturn is not installed (scripts/setup.sh --with-tests)'
    : undefined);

describe(
  'TURN: relay-only viewers, refused credentials, the box’s own relay',
  { skip: reason, timeout: 240_000 },
  () => {
    let net: TestNetwork;
    let coturn: Coturn;
    let browser: Browser;
    let viewerNs: string;
    let l1: Link;
    let l2: Link;

    before(async () => {
      net = new TestNetwork('turn');
      const turnNs = await net.addNamespace('turn');
      viewerNs = await net.addNamespace('viewer');
      l1 = await net.link(null, turnNs);
      l2 = await net.link(null, viewerNs);
      const l3 = await net.link(turnNs, viewerNs);
      await net.addRoute(viewerNs, l1.subnet, l3.a.address);
      // A default route too: without media permission Chrome signals only the host candidate of
      // the default route's interface (none: only unsignalled 0.0.0.0 sockets). The turn namespace
      // does not forward, so nothing goes further.
      await net.addRoute(viewerNs, 'default', l3.a.address);
      // Between box and viewer only TCP (HTTP) passes: UDP is dropped both ways and counted.
      for (const end of [l2.a, l2.b]) {
        await net.filter(end, [
          { match: 'udp dport 53', counter: 'dns' },
          { match: 'tcp dport 53', counter: 'dns' },
          { match: 'meta l4proto udp', counter: 'udp', verdict: 'drop' },
        ]);
      }
      coturn = await Coturn.start(net, turnNs, { address: l1.b.address, secret: SECRET });
      ({ browser } = await net.launchChromium(viewerNs));
    });

    after(async () => {
      await coturn?.close();
      await net?.close();
    });

    /** Everything the servers log (debug level), to show the secret never appears in it. */
    let logged = '';
    const logger = pino({ level: 'debug' }, { write: (line: string) => void (logged += line) });

    /** The real server on l2.a (reachable from the viewer for HTTP), minting for coturn. */
    async function server(env: Record<string, string>): Promise<Awaited<ReturnType<typeof startTestServer>>> {
      return startTestServer(
        {
          ECS_SERVER__HOST: l2.a.address,
          ECS_SERVER__TOKEN: VIEWER,
          ECS_SERVER__PUBLIC_URL: `http://${l2.a.address}/`,
          ECS_CAMERAS: JSON.stringify([{ id: CAMERA, source: 'test://', width: 640, height: 360, fps: 15 }]),
          ECS_WEBRTC__TURN__SECRET: SECRET,
          ECS_WEBRTC__TURN__URLS: JSON.stringify([coturn.url]),
          ECS_WEBRTC__TURN__CREDENTIAL_TTL_S: String(TTL_S),
          ...env,
        },
        logger,
      );
    }

    async function openPage(port: number): Promise<Page> {
      const page = await browser.newPage();
      await page.goto(`http://${l2.a.address}:${port}/api/health`);
      return page;
    }

    describe('ICE-lite box (the default)', () => {
      let ctx: Awaited<ReturnType<typeof startTestServer>>;
      before(async () => {
        // coturn reaches the box's host candidate at l1.a.
        ctx = await server({ ECS_WEBRTC__ANNOUNCED_ADDRESSES: JSON.stringify([l1.a.address]) });
      });
      after(() => ctx?.close());

      it('a relay-only WHEP player with the Link-header credentials plays through coturn', async (t) => {
        const page = await openPage(ctx.server.port);
        // 1. ICE servers the standard way: Link headers of an OPTIONS by a viewer (RFC 9725 §4.6).
        const link = await page.evaluate(
          async (token) =>
            (
              await fetch('/whep/cam', { method: 'OPTIONS', headers: { authorization: `Bearer ${token}` } })
            ).headers.get('link'),
          VIEWER,
        );
        const iceServers = parseIceServerLinks(link);
        assert.equal(iceServers.length, 1, `one TURN URI from webrtc.turn: ${link}`);
        assert.match(iceServers[0]!.username!, /^\d+:viewer\.default$/);
        // 2. Offer with relay candidates only, POST, answer.
        const result = await whepInPage(page, { iceServers, policy: 'relay', post: true });
        assert.equal(result.status, 201, result.answer);
        assert.deepEqual([...new Set(result.gathered)], ['relay'], 'relay candidates only');
        assert.match(
          result.link ?? '',
          /rel="ice-server"; username="\d+:viewer\.default"; credential="[^"]+"; credential-type="password"/,
        );
        // 3. Frames decoded over the selected pair, whose local candidate is the relay.
        const stats = await pollUntil(
          () => pcStats(page),
          (s) => s.framesDecoded >= 30,
          60_000,
          '30 decoded frames',
        );
        t.diagnostic(
          `selected pair ${stats.local}→${stats.remote}, STUN RTT ${stats.rttMs} ms (veths: not a network figure)`,
        );
        assert.equal(stats.local, 'relay', `selected pair's local candidate: ${JSON.stringify(stats)}`);
        assert.equal(stats.width, 640);
        // coturn allocated for the minted user.
        assert.ok(
          coturn.linesOf(iceServers[0]!.username!).some((l) => /ALLOCATE processed, success/.test(l)),
          'coturn logged the allocation of the minted user',
        );
        await page.close();
      });

      it('wrong and expired credentials are refused by coturn (401): no relay candidate', async () => {
        const page = await openPage(ctx.server.port);
        const minted = new TurnCredentials({ secret: SECRET, urls: [coturn.url], credentialTtlS: TTL_S });
        const good = minted.mint('viewer.probe');
        // Expired: the right HMAC of a username whose expiry is past (minted an hour ago).
        const expired = new TurnCredentials(
          { secret: SECRET, urls: [coturn.url], credentialTtlS: TTL_S },
          () => Date.now() - 3600_000,
        ).mint('viewer.late');
        const cases = [
          {
            what: 'wrong password',
            username: good.username,
            credential: TurnCredentials.password('not-the-secret!!', good.username),
          },
          { what: 'expired', username: expired.username, credential: expired.credential },
        ];
        for (const c of cases) {
          const result = await whepInPage(page, {
            iceServers: [{ urls: coturn.url, username: c.username, credential: c.credential }],
            policy: 'relay',
            post: false,
          });
          assert.deepEqual(result.gathered, [], `${c.what}: no relay candidate`);
          assert.ok(
            result.candidateErrors.some((e) => e.errorCode === 401),
            `${c.what}: icecandidateerror 401: ${JSON.stringify(result.candidateErrors)}`,
          );
          await pollUntil(
            async () => coturn.linesOf(c.username),
            (lines) => lines.some((l) => /error 401/.test(l)),
            10_000,
            `coturn's 401 for ${c.what}`,
          );
          assert.ok(!coturn.linesOf(c.username).some((l) => /ALLOCATE processed, success/.test(l)));
          await page.evaluate(() => (window as unknown as { __pc: RTCPeerConnection }).__pc.close());
        }
        await page.close();
      });
    });

    describe('the viewer page forced to relay (?relay=1)', () => {
      let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
      afterEach(async () => {
        await ctx?.close();
        ctx = undefined;
      });

      it('plays over WebRTC through coturn with the credentials of /api/webrtc/ice-servers', async () => {
        ctx = await server({ ECS_WEBRTC__ANNOUNCED_ADDRESSES: JSON.stringify([l1.a.address]) });
        const page = await browser.newPage();
        const errors = collectPageErrors(page);
        await page.goto(`http://${l2.a.address}:${ctx.server.port}/?token=${VIEWER}&relay=1`);
        await pollUntil(
          () => readPlayer(page, CAMERA),
          (p) => p.path === 'webrtc' && p.state === 'connected' && p.framesDecoded >= 30,
          60_000,
          '30 frames over WebRTC',
        );
        const stats = await pcStats(page, CAMERA);
        assert.equal(stats.local, 'relay', `selected pair's local candidate: ${JSON.stringify(stats)}`);
        assert.deepEqual(errors, []);
        await page.close();
      });

      it('falls back to the WebSocket path when coturn refuses the credentials (the box mints with another secret)', async () => {
        ctx = await server({
          ECS_WEBRTC__ANNOUNCED_ADDRESSES: JSON.stringify([l1.a.address]),
          ECS_WEBRTC__TURN__SECRET: 'not-the-secret-coturn-knows-0123456789',
        });
        /** coturn's 401 answers to users minted for the default viewer token (`<expiry>:viewer.default`). */
        const refusals = (): number =>
          coturn
            .log()
            .split('\n')
            .filter((l) => l.includes(':viewer.default>') && /error 401/.test(l)).length;
        const refusedBefore = refusals();
        const page = await browser.newPage();
        const errors = collectPageErrors(page);
        await page.goto(`http://${l2.a.address}:${ctx.server.port}/?token=${VIEWER}&relay=1`);
        const r = await pollUntil(
          () => readPlayer(page, CAMERA),
          (p) => p.path !== null && p.path !== 'webrtc' && p.framesDecoded >= 30,
          60_000,
          '30 frames after the fallback',
        );
        // A page on plain HTTP off loopback is no secure context: the WebSocket path plays through MSE.
        assert.ok(['websocket', 'mse'].includes(r.path!), `the WebSocket path plays (${r.path})`);
        assert.ok(
          r.attempts.some((a) => a.path === 'webrtc' && a.error !== null),
          JSON.stringify(r.attempts),
        );
        assert.ok(refusals() > refusedBefore, 'coturn answered 401 to the minted credentials');
        assert.deepEqual(errors, []);
        await page.close();
      });
    });

    describe('full ICE: webrtc.serverRelay', () => {
      let ctx: Awaited<ReturnType<typeof startTestServer>>;
      before(async () => {
        // The box announces l2.a, which the viewer cannot reach by UDP; its relay is on coturn.
        ctx = await server({
          ECS_WEBRTC__ANNOUNCED_ADDRESSES: JSON.stringify([l2.a.address]),
          ECS_WEBRTC__SERVER_RELAY: 'true',
        });
      });
      after(() => ctx?.close());

      it('a viewer with no TURN server of its own plays through the box’s relay', async (t) => {
        const before = (await net.counters()).udp!.packets;
        const page = await openPage(ctx.server.port);
        const result = await whepInPage(page, { iceServers: [], policy: 'all', post: true });
        assert.equal(result.status, 201, result.answer);
        assert.match(result.answer, new RegExp(`typ relay raddr`), 'the answer carries the box’s relay candidate');
        const stats = await pollUntil(
          () => pcStats(page),
          (s) => s.framesDecoded >= 30,
          60_000,
          '30 decoded frames',
        );
        t.diagnostic(
          `selected pair ${stats.local}→${stats.remote}, STUN RTT ${stats.rttMs} ms (veths: not a network figure)`,
        );
        // The viewer's side of the selected pair is its host address; the box's is its relay.
        assert.equal(stats.remote, 'relay', `selected pair: ${JSON.stringify(stats)}`);
        const viewers = (await (
          await fetch(`http://${l2.a.address}:${ctx.server.port}/api/cameras/${CAMERA}/viewers`, {
            headers: { authorization: `Bearer ${VIEWER}` },
          })
        ).json()) as { viewers: { candidateType: string | null }[] };
        assert.deepEqual(
          viewers.viewers.map((v) => v.candidateType),
          ['relay'],
          'the box’s selected pair is its relay',
        );
        assert.ok(
          coturn
            .log()
            .split('\n')
            .some((l) => /<\d+:box>: incoming packet ALLOCATE processed, success/.test(l)),
          'the box allocated on coturn with its own minted credential',
        );
        const counters = await net.counters();
        assert.ok(
          counters.udp!.packets > before,
          `direct UDP between box and viewer was tried and dropped: ${JSON.stringify(counters)}`,
        );
        assert.equal(counters.dns!.packets, 0, 'no DNS query crossed the box–viewer link');
        await page.close();
      });
    });

    it('the shared secret is in no log line and on no command line', () => {
      assert.ok(logged.length > 0, 'the servers logged');
      assert.ok(!logged.includes(SECRET), 'not in the server logs');
      assert.ok(!coturn.log().includes(SECRET), "not in coturn's log");
      assert.ok(!readFileSync(`/proc/${coturn.pid}/cmdline`, 'utf8').includes(SECRET), "not in turnserver's argv");
    });

    it('no DNS query and no packet left the machine', () => {
      assertNoEgress();
    });
  },
);
