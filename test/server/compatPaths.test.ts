import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL, Transaction } from '@solana/web3.js';
import sharp from 'sharp';
import { COMPAT_ALIASES, TEST_PAGES } from '../../server/http/compatAliases.js';
import type { RgbImage } from '../../server/vision/visionTypes.js';
import { pollUntil } from '../helpers/browser.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { PhotoCamera } from '../helpers/photoCamera.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { type Answer, WalletFlow } from '../helpers/walletFlow.js';
import { MjpegTestClient } from '../media/mjpeg/MjpegTestClient.js';
import { skyScene } from './analysis/skyScene.js';
import { assertFixturesInstalled, yaleSubject } from './vision/faceFixtures.js';

const WIDTH = 640;
const HEIGHT = 360;

const jpeg = (image: RgbImage): Promise<Buffer> =>
  sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();

/** The sky analyzer's outline blue (`#40c4ff`) after video and JPEG coding, over the white cloud. */
const isSkyBlue = (r: number, g: number, b: number): boolean => r < 130 && g > 150 && b > 200;

/** The shape of a JSON body: its keys, sorted (values differ between two calls: nonces, times). */
const shape = (json: Record<string, unknown>): string[] => Object.keys(json).sort();

/**
 * The original system's paths (../shared/design/SEED-API.md) against the real server, camerad and
 * the Solana VM: each alias answers as its target does, for an anonymous caller and a signed-in
 * one; a user checks in, enrols, is recognised and purges through the original paths while
 * `GET /api/biometric/status` shows what is held (never the data); the test pages lead to the
 * viewer page; `/stream` carries the private overlays as the original's did, `/mjpeg-stream` none.
 */
describe('the original system’s paths', { timeout: 240_000 }, () => {
  const user = Keypair.generate();
  const operator = Keypair.generate();
  const photos = new PhotoCamera(WIDTH, HEIGHT);
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let yale: RgbImage[];
  let tokens: { user: string; operator: string };

  before(async () => {
    assertFixturesInstalled();
    yale = await yaleSubject();
    photos.showRepeatedly(await skyScene(WIDTH, HEIGHT));
    svm = await SvmRpcServer.start();
    svm.airdrop(user.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_VISION__ENABLED: 'true',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { ...photos.camera('cam'), analyzers: [{ type: 'sky', fps: 4, region: [0, 0, 1, 0.3] }] },
      ]),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    flow = new WalletFlow(ctx.url);
    tokens = { user: (await flow.signIn(user)).token, operator: (await flow.signIn(operator)).token };
    // The box is healthy once camerad shows the folder's first image (its first stats, ~1 s):
    // until then /api/health is truthfully 503, for the target and the alias alike.
    await pollUntil(
      async () => (await fetch(`${ctx.url}/api/health`)).status,
      (status) => status === 200,
      30_000,
      'the box healthy',
    );
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
    photos.close();
  });

  /** Calls alias and target with the same request; asserts the same status and body shape. */
  const sameAnswer = async (
    alias: (typeof COMPAT_ALIASES)[number],
    body: unknown,
    token: string | undefined,
  ): Promise<Answer> => {
    const viaTarget = await flow.call(alias.method, alias.aliasOf, body, token);
    const viaAlias = await flow.call(alias.method, alias.path, body, token);
    const who = token ? 'a signed-in user' : 'an anonymous caller';
    assert.equal(viaAlias.status, viaTarget.status, `${alias.path} for ${who}: ${JSON.stringify(viaAlias.json)}`);
    assert.deepEqual(shape(viaAlias.json), shape(viaTarget.json), `${alias.path} body for ${who}`);
    return viaAlias;
  };

  it('each alias answers as its target does, and the OpenAPI document says which it is', async () => {
    const bodyOf = (path: string): unknown =>
      path === '/connect'
        ? { wallet: user.publicKey.toBase58() }
        : path === '/api/blockchain/submit'
          ? { transaction: 'bm90IGEgdHJhbnNhY3Rpb24=' }
          : path === '/health'
            ? undefined
            : {};
    const anonymous = new Map<string, number>();
    for (const alias of COMPAT_ALIASES) {
      anonymous.set(alias.path, (await sameAnswer(alias, bodyOf(alias.path), undefined)).status);
      await sameAnswer(alias, bodyOf(alias.path), tokens.user);
    }
    // The access requirement came along: session routes refuse an anonymous caller.
    assert.deepEqual(Object.fromEntries(anonymous), {
      '/health': 200,
      '/connect': 200,
      '/enroll_face': 401,
      '/recognize_face': 401,
      '/api/biometric/purge': 401,
      '/api/blockchain/checkin': 401,
      '/api/blockchain/checkout': 401,
      '/api/blockchain/submit': 401,
    });

    const doc = (await (await fetch(`${ctx.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    for (const alias of COMPAT_ALIASES) {
      const method = alias.method.toLowerCase();
      const op = doc.paths[alias.path]?.[method];
      assert.ok(op, `${alias.path} documented`);
      assert.equal(op['x-alias-of'], `${alias.method} ${alias.aliasOf}`);
      assert.deepEqual(op['x-access'], doc.paths[alias.aliasOf]![method]!['x-access'], `${alias.path} access`);
    }
    for (const page of TEST_PAGES) assert.ok(doc.paths[page]?.get, `${page} documented`);
  });

  it('a user checks in, enrols, is recognised and purges through the original paths; /api/biometric/status shows what is held, never the data', async () => {
    const status = async (token?: string): Promise<Answer> =>
      flow.call('GET', '/api/biometric/status', undefined, token);
    assert.equal((await status()).status, 401);
    const empty = await status(tokens.user);
    assert.equal(empty.status, 200, JSON.stringify(empty.json));
    assert.deepEqual(empty.json, { wallet: user.publicKey.toBase58(), kinds: [], packages: 0, key: false });

    // Check-in through /api/blockchain/checkin and /api/blockchain/submit.
    const built = await flow.call('POST', '/api/blockchain/checkin', {}, tokens.user);
    assert.equal(built.status, 200, JSON.stringify(built.json));
    const tx = Transaction.from(Buffer.from(built.json.transaction as string, 'base64'));
    tx.partialSign(user);
    const submitted = await flow.call(
      'POST',
      '/api/blockchain/submit',
      { transaction: tx.serialize().toString('base64') },
      tokens.user,
    );
    assert.equal(submitted.status, 200, JSON.stringify(submitted.json));
    assert.equal((submitted.json.session as { checkedIn: boolean }).checkedIn, true);

    // Enrolment from an upload (the operator allows it for this) through /enroll_face.
    assert.equal((await flow.call('POST', '/api/face/upload-enroll', { enabled: true }, tokens.operator)).status, 200);
    const enrolled = await flow.call('POST', '/enroll_face', await jpeg(yale[0]!), tokens.user, 'image/jpeg');
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
    assert.equal(enrolled.json.inGallery, true);
    assert.equal((await flow.call('POST', '/api/face/upload-enroll', { enabled: false }, tokens.operator)).status, 200);

    const held = await status(tokens.user);
    assert.equal(held.status, 200);
    const kinds = held.json.kinds as { kind: string; count: number; bytes: number; firstCreatedAt: string }[];
    const embedding = kinds.find((k) => k.kind === 'face-embedding');
    assert.ok(embedding, JSON.stringify(held.json));
    assert.equal(embedding.count, 1);
    assert.ok(embedding.bytes > 0);
    assert.ok(Math.abs(Date.parse(embedding.firstCreatedAt) - Date.now()) < 60_000, embedding.firstCreatedAt);
    assert.equal(held.json.key, true);
    // Counts and times only: no number array (an embedding), no ciphertext.
    assert.doesNotMatch(JSON.stringify(held.json), /\[-?\d|ciphertext|iv|tag/);
    // The operator's own status says nothing of the user's data.
    assert.deepEqual((await status(tokens.operator)).json.kinds, []);

    // Recognition of an uploaded photograph through /recognize_face (the operator's by default).
    const recognized = await flow.call('POST', '/recognize_face', await jpeg(yale[2]!), tokens.operator, 'image/jpeg');
    assert.equal(recognized.status, 200, JSON.stringify(recognized.json));
    const faces = recognized.json.faces as { wallet: string | null; recognized: boolean }[];
    assert.ok(
      faces.some((f) => f.recognized && f.wallet === user.publicKey.toBase58()),
      JSON.stringify(faces),
    );

    const purged = await flow.call('POST', '/api/biometric/purge', {}, tokens.user);
    assert.equal(purged.status, 200, JSON.stringify(purged.json));
    assert.ok((purged.json.blobs as number) >= 1);
    assert.deepEqual((await status(tokens.user)).json, {
      wallet: user.publicKey.toBase58(),
      kinds: [],
      packages: 0,
      key: false,
    });
  });

  it('the test pages lead to the viewer page, query kept', async () => {
    for (const page of TEST_PAGES) {
      const res = await fetch(`${ctx.url}${page}?camera=cam`, { redirect: 'manual' });
      assert.equal(res.status, 302, page);
      assert.equal(res.headers.get('location'), '/?camera=cam');
      const followed = await fetch(`${ctx.url}${page}`);
      assert.equal(followed.status, 200);
      assert.match(followed.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await followed.text(), /<html/i);
    }
  });

  it('/stream carries the private overlays, as the original’s did; /mjpeg-stream stays clean', async () => {
    // The sky region's bottom stroke, over the cloud (right half).
    const y = Math.round(HEIGHT * 0.3) - 2;
    const xs = Array.from({ length: 20 }, (_, i) => Math.round(WIDTH * 0.55) + i * 10);
    const share = async (still: Buffer): Promise<number> => {
      const { data, info } = await sharp(still).raw().toBuffer({ resolveWithObject: true });
      return (
        xs.filter((x) => {
          const i = (y * info.width + x) * info.channels;
          return isSkyBlue(data[i]!, data[i + 1]!, data[i + 2]!);
        }).length / xs.length
      );
    };
    const stream = new MjpegTestClient(`${ctx.url}/stream`);
    const clean = new MjpegTestClient(`${ctx.url}/mjpeg-stream`);
    try {
      await Promise.all([stream.responded(), clean.responded()]);
      assert.equal(stream.status, 200);
      assert.equal(clean.status, 200);
      const drawn = await pollUntil(
        async () => (stream.lastJpeg ? share(stream.lastJpeg) : 0),
        (s) => s >= 0.8,
        30_000,
        'the sky outline in a /stream part',
      );
      assert.ok(drawn >= 0.8);
      await pollUntil(
        async () => clean.count,
        (n) => n >= 2,
        10_000,
        'two /mjpeg-stream parts',
      );
      assert.equal(await share(clean.lastJpeg!), 0, '/mjpeg-stream has no outline');
    } finally {
      stream.close();
      clean.close();
    }
  });
});
