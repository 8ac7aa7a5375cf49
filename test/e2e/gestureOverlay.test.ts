import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import sharp from 'sharp';
import type {
  GestureActionEvent,
  GestureDetectedEvent,
  GestureIdentifiedEvent,
} from '../../server/events/EventCatalogue.js';
import type { CurrentHand } from '../../server/http/routers/analysisRouter.js';
import type { RgbImage } from '../../server/vision/visionTypes.js';
import { launchChromium, pollUntil, videoPixels, videoState } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { approvedEnrolment } from '../helpers/faceEnrolment.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { PhotoCamera } from '../helpers/photoCamera.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { waitFor, WalletFlow } from '../helpers/walletFlow.js';
import { assertFixturesInstalled, yaleSubject } from '../server/vision/faceFixtures.js';
import { assertHandFixturesInstalled } from '../server/analysis/handFixtures.js';

const WIDTH = 1280;
const HEIGHT = 720;

/** Skeleton cyan `#00b8ff` (server/analysis/hands/handOverlay.ts) after YUV 4:2:0 and H.264, on skin. */
const isSkeletonCyan = ([r, g, b]: readonly number[]): boolean => r! < 110 && g! > 110 && g! < 230 && b! > 170;

/** A JPEG of the whole camera picture: mid-grey, `face` top left, the hand photograph bottom right. */
async function scene(face: RgbImage | null, hand: Buffer): Promise<Buffer> {
  const layers: sharp.OverlayOptions[] = [
    { input: await sharp(hand).resize({ width: 720 }).toBuffer(), left: WIDTH - 760, top: HEIGHT - 540 },
  ];
  if (face) {
    const input = await sharp(Buffer.from(face.data), { raw: { width: face.width, height: face.height, channels: 3 } })
      .resize({ height: 300 })
      .png()
      .toBuffer();
    layers.push({ input, left: 200, top: 20 });
  }
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(layers)
    .jpeg({ quality: 92 })
    .toBuffer();
}

/**
 * Hands and gestures end to end: a dir:// camera shows a real photograph of an open hand
 * (opencv-doc's handSrc.jpg) next to the face of an enrolled, checked-in user (the Yale subject),
 * rewritten five times a second as a capture folder would be. The viewer page's `<video>` shows
 * the hand skeleton at the landmarks `/api/gesture/current` reports and the clean still does not;
 * an anonymous socket hears `gesture:detected` with no identity; `gesture:identified` reaches the
 * user and the operator and no one else; holding the open palm runs the configured action, a
 * photo owned by that user.
 */
describe('hand skeletons and gestures in the WebRTC stream, in Chromium', { timeout: 360_000 }, () => {
  const user = Keypair.generate();
  const other = Keypair.generate();
  const operator = Keypair.generate();
  const photos = new PhotoCamera(WIDTH, HEIGHT);
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-gesture-e2e-'));
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let flow: WalletFlow;

  before(async () => {
    assertFixturesInstalled();
    assertHandFixturesInstalled();
    const webRoot = await builtViewerApp();
    const yale = await yaleSubject();
    await photos.show(yale[0]!, 'a-enrol');
    svm = await SvmRpcServer.start();
    svm.airdrop(user.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '4',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        {
          ...photos.camera('cam'),
          bitrateKbps: 2000,
          analyzers: [
            { type: 'faces', fps: 4 },
            { type: 'hands', fps: 5 },
          ],
        },
      ]),
      ECS_GESTURES: JSON.stringify({
        actions: [{ gesture: 'open_palm', action: 'capture', holdMs: 1000, cooldownMs: 600_000 }],
      }),
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

  it('draws the skeleton, reports the gesture, scopes the identity and runs the action for its owner', async () => {
    const { token } = await flow.signIn(user);
    const checkin = await flow.signAndSubmit('checkin', token, { showName: false }, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    const operatorToken = (await flow.signIn(operator)).token;
    const enrolled = await approvedEnrolment(flow, token, operatorToken);
    assert.equal(enrolled.json.inGallery, true, JSON.stringify(enrolled.json));
    const otherToken = (await flow.signIn(other)).token;

    const mine = await flow.connect({ token });
    const theOperator = await flow.connect({ token: operatorToken });
    const someoneElse = await flow.connect({ token: otherToken });
    const anonymous = await flow.connect({ cameraId: 'cam' });
    const detected: GestureDetectedEvent[] = [];
    const identified: Record<string, GestureIdentifiedEvent[]> = { mine: [], operator: [], other: [], anonymous: [] };
    const actions: GestureActionEvent[] = [];
    anonymous.on('gesture:detected', (e) => detected.push(e));
    mine.on('gesture:identified', (e) => identified.mine!.push(e));
    theOperator.on('gesture:identified', (e) => identified.operator!.push(e));
    someoneElse.on('gesture:identified', (e) => identified.other!.push(e));
    anonymous.on('gesture:identified', (e) => identified.anonymous!.push(e));
    mine.on('gesture:action', (e) => actions.push(e));
    const otherActions: GestureActionEvent[] = [];
    someoneElse.on('gesture:action', (e) => otherActions.push(e));

    const page = await browser!.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(ctx.url);
    await pollUntil(
      () => videoState(page, 'cam'),
      (s) => s.total > 5 && s.width === WIDTH,
      60_000,
      'video plays',
    );

    // The user's face (another photograph of them) with the open hand below and to its right.
    const yale = await yaleSubject();
    const hand = await sharp(join(ctx.config.root, 'test/fixtures/hands/images/handSrc.jpg')).toBuffer();
    photos.showRepeatedly(await scene(yale[2]!, hand));

    type Current = { cameras: { id: string; running: boolean; hands: CurrentHand[] }[] };
    const gesturesNow = async (bearer?: string): Promise<Current> =>
      (await flow.call('GET', '/api/gesture/current', undefined, bearer)).json as unknown as Current;
    const seen = await pollUntil(
      () => gesturesNow(),
      (c) => c.cameras[0]?.hands.some((h) => h.gesture === 'open_palm') === true,
      60_000,
      'GET /api/gesture/current reports the open palm',
    );
    const palm = seen.cameras[0]!.hands.find((h) => h.gesture === 'open_palm')!;
    assert.equal(seen.cameras[0]!.running, true);
    assert.equal(palm.landmarks.length, 21);
    assert.equal(palm.wallet, null, 'an anonymous caller never learns whose hand it is');

    await waitFor(
      () => detected.some((e) => e.gesture === 'open_palm'),
      'gesture:detected on the public socket',
      30_000,
    );
    for (const e of detected) assert.ok(!('wallet' in e), 'public gesture events carry no identity');

    // The skeleton is in the encoded video at the reported landmarks, not in the clean still.
    const points = palm.landmarks.filter(([x, y]) => x >= 0 && y >= 0 && x < WIDTH && y < HEIGHT);
    assert.ok(points.length >= 15, `${points.length} landmarks inside the picture`);
    const share = (pixels: number[][]): number => pixels.filter(isSkeletonCyan).length / pixels.length;
    const inVideo = await pollUntil(
      async () => share(await videoPixels(page, 'cam', points)),
      (s) => s >= 0.8,
      15_000,
      'the skeleton in the video',
    );
    const clean = await ctx.server.cameras.get('cam')!.grab({ format: 'rgb', overlays: false });
    const cleanShare = share(
      points.map(([x, y]) => {
        const i = Math.round(y) * clean.stride + Math.round(x) * 3;
        return [clean.data[i]!, clean.data[i + 1]!, clean.data[i + 2]!];
      }),
    );
    assert.ok(inVideo >= 0.8, `video: ${(inVideo * 100).toFixed(1)} % of the landmarks are skeleton cyan`);
    assert.ok(cleanShare < 0.2, `clean still: ${(cleanShare * 100).toFixed(1)} %`);

    // Whose hand: the user and the operator hear it; nobody else does.
    const wallet = user.publicKey.toBase58();
    await waitFor(
      () => identified.mine!.length > 0 && identified.operator!.length > 0,
      'gesture:identified for the user and the operator',
      60_000,
    );
    assert.equal(identified.mine![0]!.wallet, wallet);
    assert.equal(identified.mine![0]!.gesture, 'open_palm');
    assert.equal(identified.operator![0]!.wallet, wallet);
    // The HTTP view follows the same rule: the owner sees their wallet, another user does not.
    const own = await gesturesNow(token);
    assert.ok(
      own.cameras[0]!.hands.some((h) => h.wallet === wallet),
      JSON.stringify(own),
    );
    const foreign = await gesturesNow(otherToken);
    assert.ok(
      foreign.cameras[0]!.hands.every((h) => h.wallet === null),
      'another user never sees the wallet',
    );

    // Holding the open palm for a second took a photo owned by the user.
    await waitFor(() => actions.length > 0, 'gesture:action for the user', 60_000);
    const action = actions[0]!;
    assert.equal(action.action, 'capture');
    assert.equal(action.error, null, JSON.stringify(action));
    const list = await flow.call('GET', '/api/photos', undefined, token);
    const items = list.json.items as { id: string; wallet: string }[];
    assert.ok(
      items.some((p) => p.id === action.id),
      `the photo ${action.id} is in the user's list: ${JSON.stringify(items)}`,
    );
    assert.deepEqual(identified.other, [], 'another user’s socket hears no identity');
    assert.deepEqual(identified.anonymous, [], 'the anonymous socket hears no identity');
    assert.deepEqual(otherActions, []);
    await page.close();
  });

  it('answers 404 for an unknown camera and 400 for a repeated camera parameter', async () => {
    const unknown = await flow.call('GET', '/api/gestures/current?camera=nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.field, 'camera');
    const twice = await flow.call('GET', '/api/gestures/current?camera=cam&camera=cam');
    assert.equal(twice.status, 400);
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
