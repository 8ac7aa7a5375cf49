import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getMint, getTokenMetadata, TOKEN_2022_PROGRAM_ID } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction } from '@solana/web3.js';
import sharp from 'sharp';
import type { FaceRecognizedEvent } from '../../../server/events/EventCatalogue.js';
import { overlayThickness } from '../../../server/vision/FacePipeline.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../../helpers/testServer.js';
import { boxEdgePixels, isOverlayGreen, PhotoCamera } from '../../helpers/photoCamera.js';
import { waitFor, WalletFlow } from '../../helpers/walletFlow.js';
import { approvedEnrolment, ChallengePlayer, follows } from '../../helpers/faceEnrolment.js';
import { type TurningFaces, turningFaces } from '../../helpers/turningFace.js';
import { assertFixturesInstalled, imagesDir, yaleSubject } from '../vision/faceFixtures.js';

const WIDTH = 640;
const HEIGHT = 480;

/** RGB of pixel (x, y) of an RGB24 grab. */
function px(p: { data: Buffer; stride: number }, x: number, y: number): [number, number, number] {
  const i = y * p.stride + x * 3;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Face recognition end to end on the real server: a dir:// camera showing real photographs
 * (the Yale subject of opencv-doc), enrolment from the camera's current frame (approved by the
 * operator; the face NFT after a liveness challenge, test/helpers/turningFace.ts), recognition of
 * the same person in a different photograph by the live pipeline (socket.io event to the user,
 * none to anonymous subscribers, box and name burned into the encoded picture), bad uploads,
 * and the purge at check-out.
 */
describe('face enrolment and recognition on a camera of real photographs', { timeout: 240_000 }, () => {
  const user = Keypair.generate();
  const operator = Keypair.generate();
  const photos = new PhotoCamera(WIDTH, HEIGHT);
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-faces-state-'));
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let userToken: string;
  let operatorToken: string;
  let yale: RgbImage[];
  let turning: TurningFaces;
  let shown = 0;
  const show = (photo: RgbImage, name: string): Promise<void> => photos.show(photo, name);

  before(async () => {
    assertFixturesInstalled();
    yale = await yaleSubject();
    turning = await turningFaces();
    await show(yale[0]!, 'a-enrol');
    svm = await SvmRpcServer.start();
    for (const k of [user, operator]) svm.airdrop(k.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '4',
      ECS_VISION__UPLOAD__MAX_BYTES: String(512 * 1024),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([photos.camera('cam')]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    assert.ok(ctx.server.faces, 'face recognition is on');
    flow = new WalletFlow(ctx.url);
    userToken = (await flow.signIn(user)).token;
    operatorToken = (await flow.signIn(operator)).token;
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
    photos.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrols from the camera, then recognises the user in another photograph: event to the user only, box and name in the video', async () => {
    const checkin = await flow.signAndSubmit('checkin', userToken, { showName: true }, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));

    const enrolled = await approvedEnrolment(flow, userToken, operatorToken);
    assert.equal(enrolled.json.inGallery, true);
    assert.equal(enrolled.json.embeddings, 1);

    const mine = await flow.connect({ token: userToken });
    const anonymous = await flow.connect({ cameraId: 'cam' });
    const recognized: FaceRecognizedEvent[] = [];
    const anonymousHeard: string[] = [];
    mine.on('face:recognized', (e) => recognized.push(e));
    anonymous.on('face:recognized', () => anonymousHeard.push('face:recognized'));
    anonymous.on('face:detected', () => anonymousHeard.push('face:detected'));

    // A different photograph of the same person (another lighting), not the enrolment picture.
    await show(yale[2]!, 'b-later');
    await waitFor(
      () => recognized.some((e) => e.wallet === user.publicKey.toBase58()),
      'face:recognized',
      60_000,
    ).catch(async (error: unknown) => {
      // Say what the pipeline saw, to tell a missed face from a missed match.
      const status = await flow.call('GET', '/api/face/status');
      throw new Error(`${(error as Error).message}; face status ${JSON.stringify(status.json)}`, { cause: error });
    });
    const event = recognized.find((e) => e.wallet === user.publicKey.toBase58())!;
    assert.equal(event.cameraId, 'cam');
    assert.ok(event.similarity >= 0.55, `similarity ${event.similarity}`);
    await waitFor(() => anonymousHeard.includes('face:detected'), 'face:detected for anonymous subscribers');
    assert.ok(!anonymousHeard.includes('face:recognized'), 'no identity for anonymous subscribers');

    // Burned in: the box's edges are overlay green in the program picture, not in the clean one.
    const camera = ctx.server.cameras.get('cam')!;
    const [program, clean] = [
      await camera.grab({ format: 'rgb', overlays: true }),
      await camera.grab({ format: 'rgb', overlays: false }),
    ];
    const edges = boxEdgePixels(event.box, overlayThickness(HEIGHT));
    const share = (p: typeof program): number =>
      edges.filter(([x, y]) => isOverlayGreen(px(p, x, y))).length / edges.length;
    assert.ok(
      share(program) >= 0.8,
      `program picture: ${(share(program) * 100).toFixed(1)} % of the box edge is green`,
    );
    assert.ok(share(clean) < 0.2, `clean picture: ${(share(clean) * 100).toFixed(1)} % green`);

    // Overlay layers: another producer's item (a red line in its own layer) is drawn beside the face
    // box, and stays while the face pipeline keeps replacing its "faces" layer (5 analysis
    // frames/s: 1 s is several replacements; before layers each one wiped the line).
    await camera.setOverlays(
      [
        {
          kind: 'polyline',
          points: [
            [20, 470],
            [620, 470],
          ],
          color: '#ff0000',
          ttl_ms: 60_000,
          thickness: 6,
        },
      ],
      { layer: 'test' },
    );
    const line: [number, number][] = Array.from({ length: 59 }, (_, i) => [30 + i * 10, 470]);
    const redLine = (p: typeof program): number =>
      line.filter(([x, y]) => {
        const [r, g, b] = px(p, x, y);
        return r >= 200 && g <= 60 && b <= 60;
      }).length / line.length;
    const both = await camera.grab({ format: 'rgb', overlays: true });
    assert.ok(redLine(both) >= 0.9, `the other layer's line: ${(redLine(both) * 100).toFixed(0)} % red`);
    assert.ok(share(both) >= 0.8, `the face box beside it: ${(share(both) * 100).toFixed(1)} % green`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const later = await camera.grab({ format: 'rgb', overlays: true });
    assert.ok(redLine(later) >= 0.9, `after 1 s of face updates: ${(redLine(later) * 100).toFixed(0)} % red`);
    // The operator switching the face boxes off clears the faces layer only.
    const off = await flow.call('POST', '/api/face/overlays', { enabled: false }, operatorToken);
    assert.equal(off.status, 200, JSON.stringify(off.json));
    const facesOff = await camera.grab({ format: 'rgb', overlays: true });
    assert.ok(share(facesOff) < 0.2, `face boxes off: ${(share(facesOff) * 100).toFixed(1)} % green`);
    assert.ok(redLine(facesOff) >= 0.9, 'the other layer is still drawn');
    assert.equal((await flow.call('POST', '/api/face/overlays', { enabled: true }, operatorToken)).status, 200);
    await camera.setOverlays([], { layer: 'test' });

    const found = await flow.call('POST', '/api/face/recognize', {}, userToken);
    assert.equal(found.status, 200, JSON.stringify(found.json));
    const faces = found.json.faces as { wallet: string | null; recognized: boolean }[];
    assert.equal(faces.length, 1);
    assert.deepEqual([faces[0]!.wallet, faces[0]!.recognized], [user.publicKey.toBase58(), true]);
  });

  it('enrolment after a liveness challenge can also build the face NFT: minted on chain with the package hash, supply 1', async () => {
    const player = new ChallengePlayer(flow, (photo) => show(photo, `turn-${String(++shown).padStart(4, '0')}`));
    const challenge = await player.challenge(userToken);
    const passed = await player.perform(userToken, challenge, follows(turning.a));
    assert.equal(passed.status, 'passed', JSON.stringify(passed));
    const enrolled = await flow.call(
      'POST',
      '/api/face/enroll',
      { nft: true, challengeId: challenge.challengeId },
      userToken,
    );
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
    const nft = enrolled.json.nft as { transaction: string; mint: string; package: { sha256: string; uri: string } };
    const tx = Transaction.from(Buffer.from(nft.transaction, 'base64'));
    tx.partialSign(user); // the wallet signs last
    const submitted = await flow.call(
      'POST',
      '/api/session/submit',
      { transaction: tx.serialize().toString('base64') },
      userToken,
    );
    assert.equal(submitted.status, 200, JSON.stringify(submitted.json));
    assert.equal(submitted.json.kind, 'face-nft');
    const connection = new Connection(svm.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });
    const mint = await getMint(connection, new PublicKey(nft.mint), 'confirmed', TOKEN_2022_PROGRAM_ID);
    assert.equal(mint.supply, 1n);
    assert.equal(mint.mintAuthority, null);
    const metadata = await getTokenMetadata(connection, new PublicKey(nft.mint));
    assert.equal(metadata?.uri, nft.package.uri);
    assert.deepEqual(
      metadata?.additionalMetadata.find(([k]) => k === 'embedding_sha256'),
      ['embedding_sha256', nft.package.sha256],
    );
  });

  it('refuses bad uploads with a 4xx and stores nothing', async () => {
    const { vault } = ctx.server.identity;
    const stored = (): number => vault.list(user.publicKey.toBase58()).length;
    const before = stored();
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const group = readFileSync(join(imagesDir, 'sample1.jpg'));
    const expect = async (status: number, pattern: RegExp, body: unknown, type: string, token = userToken) => {
      const res = await flow.call('POST', '/api/face/enroll', body, token, type);
      assert.equal(res.status, status, JSON.stringify(res.json));
      assert.match(String(res.json.error), pattern);
      assert.equal(stored(), before, 'nothing stored');
    };
    await expect(403, /uploaded image is off/, grey, 'image/png');
    const allow = await flow.call('POST', '/api/face/upload-enroll', { enabled: true }, operatorToken);
    assert.equal(allow.status, 200, JSON.stringify(allow.json));
    const userAllow = await flow.call('POST', '/api/face/upload-enroll', { enabled: false }, userToken);
    assert.equal(userAllow.status, 403, 'a user may not change it');
    await expect(415, /Content-Type/, 'hello', 'text/plain');
    await expect(400, /not a JPEG or PNG|image/i, Buffer.from('this is not an image'), 'image/jpeg');
    await expect(413, /larger than/, Buffer.alloc(600 * 1024, 0xff), 'image/jpeg');
    await expect(400, /no face/, grey, 'image/png');
    await expect(400, /faces found/, group, 'image/jpeg');
    const anonymous = await flow.call('POST', '/api/face/enroll', {});
    assert.equal(anonymous.status, 401);
    await flow.call('POST', '/api/face/upload-enroll', { enabled: false }, operatorToken);
  });

  it('after check-out with purge, recognize no longer finds the user and no embedding bytes remain', async () => {
    const wallet = user.publicKey.toBase58();
    const { vault } = ctx.server.identity;
    const embeddings = vault
      .list(wallet)
      .filter((b) => b.kind === 'face-embedding')
      .map((b) => Buffer.from(vault.get(wallet, b.id, 'test')));
    assert.ok(embeddings.length >= 1);
    // The stored bytes are ciphertext; the plaintext embedding must not be on disk either. Look
    // for 16-byte windows of the plaintext and of the stored ciphertext rows.
    const ciphertexts = (
      ctx.server.identity.database.db
        .prepare('SELECT ciphertext FROM biometric_blobs WHERE wallet = ?')
        .all(wallet) as {
        ciphertext: Buffer;
      }[]
    ).map((r) => r.ciphertext);
    const windows = [...embeddings, ...ciphertexts].flatMap((b) =>
      Array.from({ length: Math.floor(b.length / 64) }, (_, i) => b.subarray(i * 64, i * 64 + 16)),
    );
    const onDisk = (): number =>
      filesUnder(dataDir)
        .map((f) => readFileSync(f))
        .reduce((n, bytes) => n + windows.filter((w) => bytes.includes(w)).length, 0);
    assert.ok(onDisk() > 0, 'the search finds the ciphertext before the purge');

    const checkout = await flow.signAndSubmit('checkout', userToken, {}, user);
    assert.equal(checkout.status, 200, JSON.stringify(checkout.json));
    await ctx.server.identity.vault.whenScrubbed();
    const found = await flow.call('POST', '/api/face/recognize', {}, operatorToken);
    assert.equal(found.status, 200, JSON.stringify(found.json));
    const faces = found.json.faces as { wallet: string | null; recognized: boolean }[];
    assert.equal(faces.length, 1, 'the face is still in front of the camera');
    assert.deepEqual([faces[0]!.wallet, faces[0]!.recognized], [null, false]);
    assert.equal(vault.hasData(wallet), false);
    assert.equal(onDisk(), 0, 'no window of the embedding or its ciphertext in the data directory');
  });

  it('before check-in no enrolment is possible and nothing is stored; after it, the approved enrolment is in the gallery at once', async () => {
    const { token } = await flow.signIn(user);
    // auth.requireCheckin (on with a chain): neither path starts before the check-in.
    const dump = dumpDatabase(ctx.server.identity.database);
    for (const path of ['/api/face/enroll/requests', '/api/face/enroll/challenge', '/api/face/enroll']) {
      const early = await flow.call('POST', path, {}, token);
      assert.equal(early.status, 403, `${path}: ${JSON.stringify(early.json)}`);
      assert.match(String(early.json.error), /check in at this camera first/);
    }
    assert.equal(dumpDatabase(ctx.server.identity.database), dump, 'a refused enrolment stored something');
    assert.equal(ctx.server.identity.vault.hasData(user.publicKey.toBase58()), false);
    const checkin = await flow.signAndSubmit('checkin', token, {}, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    const enrolled = await approvedEnrolment(flow, token, operatorToken);
    assert.deepEqual([enrolled.json.temporary, enrolled.json.inGallery], [false, true]);
    await waitFor(() => ctx.server.faces!.galleryWallets('cam').includes(user.publicKey.toBase58()), 'gallery load');
    const after = await flow.call('POST', '/api/face/recognize', {}, token);
    const face = (after.json.faces as { wallet: string | null; recognized: boolean }[])[0];
    assert.deepEqual([face?.wallet, face?.recognized], [user.publicKey.toBase58(), true]);
  });
});
