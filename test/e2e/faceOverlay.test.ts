import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import type { FaceRecognizedEvent } from '../../server/events/EventCatalogue.js';
import { overlayThickness } from '../../server/vision/FacePipeline.js';
import { launchChromium, pollUntil, videoPixels, videoState } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { boxEdgePixels, isOverlayGreen, PhotoCamera } from '../helpers/photoCamera.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { waitFor, WalletFlow } from '../helpers/walletFlow.js';
import { approvedEnrolment } from '../helpers/faceEnrolment.js';
import { assertFixturesInstalled, yaleSubject } from '../server/vision/faceFixtures.js';

const WIDTH = 640;
const HEIGHT = 480;

/**
 * Face boxes and names burned into the WebRTC stream, seen in a real browser: a dir:// camera
 * of real photographs, a checked-in user who consented to show their name enrols from the
 * camera (approved by the operator from their own session); in another photograph of them the viewer page's `<video>` shows the box in the
 * overlay colour where the clean still shows none, the user's socket hears `face:recognized`
 * for that track, an anonymous one does not, and the page's face panel lists the event.
 */
describe('face overlays in the WebRTC stream, in Chromium', { timeout: 300_000 }, () => {
  const user = Keypair.generate();
  const operator = Keypair.generate();
  const photos = new PhotoCamera(WIDTH, HEIGHT);
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-face-e2e-'));
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let flow: WalletFlow;

  /** The viewer app as the code is now (test/helpers/viewerApp.ts). */
  let webRoot = '';

  before(async () => {
    assertFixturesInstalled();
    webRoot = await builtViewerApp();
    const yale = await yaleSubject();
    await photos.show(yale[0]!, 'a-enrol');
    svm = await SvmRpcServer.start();
    svm.airdrop(user.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '4',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([photos.camera('cam')]),
      ECS_STORAGE__DATA_DIR: join(dataDir, 'state'),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    flow = new WalletFlow(ctx.url);
    browser = await launchChromium();
  });

  after(async () => {
    flow?.close();
    await browser?.close();
    await ctx?.close();
    await svm?.close();
    photos.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the enrolled user’s box in the video; the event goes to the user only', async () => {
    const { token } = await flow.signIn(user);
    const checkin = await flow.signAndSubmit('checkin', token, { showName: true }, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    const enrolled = await approvedEnrolment(flow, token, (await flow.signIn(operator)).token);
    assert.equal(enrolled.json.inGallery, true);

    const page = await browser!.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(ctx.url);
    await pollUntil(
      () => videoState(page, 'cam'),
      (s) => s.total > 5 && s.width === WIDTH,
      60_000,
      'video plays',
    );

    const mine = await flow.connect({ token });
    const anonymous = await flow.connect({ cameraId: 'cam' });
    const recognized: FaceRecognizedEvent[] = [];
    const anonymousIdentities: string[] = [];
    mine.on('face:recognized', (e) => recognized.push(e));
    anonymous.on('face:recognized', (e) => anonymousIdentities.push(e.wallet));

    const yale = await yaleSubject();
    await photos.show(yale[2]!, 'b-later');
    await waitFor(() => recognized.length > 0, 'face:recognized for the user', 60_000).catch(async (error: unknown) => {
      const status = await flow.call('GET', '/api/face/status');
      const seen = await flow.call('POST', '/api/face/recognize', {}, token);
      throw new Error(
        `${(error as Error).message}; status ${JSON.stringify(status.json)}; recognize ${JSON.stringify(seen.json)}`,
        {
          cause: error,
        },
      );
    });
    const event = recognized[0]!;
    assert.equal(event.wallet, user.publicKey.toBase58());

    const edges = boxEdgePixels(event.box, overlayThickness(HEIGHT));
    const share = (pixels: number[][]): number => pixels.filter(isOverlayGreen).length / pixels.length;
    // The box is drawn until the face leaves; the video shows it within a frame or two.
    const inVideo = await pollUntil(
      async () => share(await videoPixels(page, 'cam', edges)),
      (s) => s >= 0.8,
      15_000,
      'the box in the video',
    );
    const clean = await ctx.server.cameras.get('cam')!.grab({ format: 'rgb', overlays: false });
    const cleanShare = share(
      edges.map(([x, y]) => [...clean.data.subarray(y * clean.stride + x * 3, y * clean.stride + x * 3 + 3)]),
    );
    assert.ok(inVideo >= 0.8, `video: ${(inVideo * 100).toFixed(1)} % of the box edge is overlay green`);
    assert.ok(cleanShare < 0.2, `clean still: ${(cleanShare * 100).toFixed(1)} %`);
    assert.deepEqual(anonymousIdentities, [], 'anonymous subscribers receive no identity');
    // The page (not signed in) lists the public face events, and no identity.
    const lines = await page.evaluate(() => window.__faces.lines.map((l) => l.name));
    assert.ok(lines.includes('face:detected'), `face panel events: ${lines.join(', ')}`);
    assert.ok(!lines.includes('face:recognized'), 'the anonymous page hears no identity');
    await page.close();
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
