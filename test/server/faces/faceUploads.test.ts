import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import sharp from 'sharp';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { PhotoCamera } from '../../helpers/photoCamera.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../../helpers/testServer.js';
import { WalletFlow } from '../../helpers/walletFlow.js';
import { assertFixturesInstalled, imagesDir, loadImage, yaleSubject } from '../vision/faceFixtures.js';

interface Face {
  box: number[];
  score: number;
  wallet: string | null;
  recognized: boolean;
  similarity: number | null;
}

const jpeg = (image: RgbImage): Promise<Buffer> =>
  sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();

/** One raw HTTP answer: status, Retry-After, JSON. */
async function post(
  url: string,
  path: string,
  token: string,
  body: Buffer | string,
  type: string,
): Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${token}` },
    body,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as Record<string, unknown>,
  };
}

/**
 * Uploads are decoded and analysed one at a time, apart from live analysis, on a bounded queue;
 * a full queue, or a full inference thread, answers 503 with Retry-After (not a 500). Real busy
 * conditions: a queue bound of 0 with concurrent uploads of a 5-face photograph, and an
 * inference bound of 1 with concurrent recognitions while the camera's own analysis runs.
 * First in this file: after litesvm has run check-in transactions in a process, node's
 * crypto.randomInt can spin forever there (seen in RtpIngest's constructor when a second server
 * starts), so the chain-backed suite comes last.
 */
describe('busy uploads and inference answer 503 with Retry-After', { timeout: 240_000 }, () => {
  const user = Keypair.generate();
  const photos = new PhotoCamera(640, 480);
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let token: string;
  let group: Buffer;

  before(async () => {
    assertFixturesInstalled();
    group = readFileSync(join(imagesDir, 'sample5.jpg'));
    await photos.show(await loadImage('sample5.jpg'), 'group');
    ctx = await startTestServer({
      ECS_VISION__ENABLED: 'true',
      ECS_VISION__UPLOAD__MAX_QUEUED: '0',
      ECS_VISION__WORKER__MAX_PENDING: '1',
      ECS_FACES__UPLOAD_RECOGNIZE: 'true',
      ECS_FACES__ANALYSIS_FPS: '10',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([photos.camera('cam')]),
    });
    flow = new WalletFlow(ctx.url);
    token = (await flow.signIn(user)).token;
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    photos.close();
  });

  const busyOk = (answers: { status: number; retryAfter: string | null; json: Record<string, unknown> }[]) => {
    for (const r of answers) {
      assert.ok(r.status === 200 || r.status === 503, `status ${r.status}: ${JSON.stringify(r.json)}`);
      if (r.status === 503) {
        assert.match(String(r.retryAfter), /^[1-9][0-9]*$/, 'Retry-After in whole seconds');
        assert.match(String(r.json.error), /busy|pending/);
      }
    }
  };

  it('a full upload queue answers 503 with Retry-After; the upload that runs answers 200', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post(ctx.url, '/api/face/recognize', token, group, 'image/jpeg')),
    );
    busyOk(answers);
    const queueFull = answers.filter((r) => r.status === 503 && /uploaded images/.test(String(r.json.error)));
    assert.ok(queueFull.length >= 1, JSON.stringify(answers.map((r) => [r.status, r.json.error])));
    // Once the queue is free again, an upload goes through (retrying on a busy inference thread).
    for (let i = 0; ; i++) {
      const r = await post(ctx.url, '/api/face/recognize', token, group, 'image/jpeg');
      busyOk([r]);
      if (r.status === 200) {
        assert.equal((r.json.faces as Face[]).length, 5);
        break;
      }
      assert.ok(i < 20, 'an upload eventually succeeds');
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(r.retryAfter)));
    }
  });

  it('a full inference thread answers 503 with Retry-After, never a 500', async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => post(ctx.url, '/api/face/recognize', token, '{}', 'application/json')),
      post(ctx.url, '/api/face/recognize', token, group, 'image/jpeg'),
    ]);
    busyOk(answers);
    const threadBusy = answers.filter((r) => r.status === 503 && /pending/.test(String(r.json.error)));
    assert.ok(threadBusy.length >= 1, JSON.stringify(answers.map((r) => [r.status, r.json.error])));
    assert.ok(
      answers.some((r) => r.status === 200),
      'some are served',
    );
  });
});

/**
 * Recognition is no presence oracle: wallet B uploading A's photograph learns nothing about A
 * (the same answer as for a stranger's face), upload-recognize is the operator's unless they
 * allow it, and the operator sees the match (so the photograph does match A: a server that
 * hid nothing would fail this test).
 */
describe('recognition answers a user only about their own face', { timeout: 240_000 }, () => {
  const a = Keypair.generate();
  const b = Keypair.generate();
  const operator = Keypair.generate();
  const photos = new PhotoCamera(640, 480);
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let yale: RgbImage[];
  let tokens: { a: string; b: string; operator: string };

  before(async () => {
    assertFixturesInstalled();
    yale = await yaleSubject();
    await photos.show(yale[1]!, 'a-in-front');
    svm = await SvmRpcServer.start();
    svm.airdrop(a.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '2',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([photos.camera('cam')]),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    flow = new WalletFlow(ctx.url);
    tokens = {
      a: (await flow.signIn(a)).token,
      b: (await flow.signIn(b)).token,
      operator: (await flow.signIn(operator)).token,
    };
    // A checks in and enrols (from an upload the operator allows for this).
    const checkin = await flow.signAndSubmit('checkin', tokens.a, {}, a);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    assert.equal((await flow.call('POST', '/api/face/upload-enroll', { enabled: true }, tokens.operator)).status, 200);
    const enrolled = await post(ctx.url, '/api/face/enroll', tokens.a, await jpeg(yale[0]!), 'image/jpeg');
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
    assert.equal(enrolled.json.inGallery, true);
    assert.equal((await flow.call('POST', '/api/face/upload-enroll', { enabled: false }, tokens.operator)).status, 200);
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
    photos.close();
  });

  const recognizeUpload = async (token: string, image: Buffer): Promise<Face[]> => {
    const res = await post(ctx.url, '/api/face/recognize', token, image, 'image/jpeg');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.faces as Face[];
  };

  it('upload-recognize is the operator’s until they allow it; a user cannot allow it', async () => {
    const before = dumpDatabase(ctx.server.identity.database);
    const refused = await post(ctx.url, '/api/face/recognize', tokens.b, await jpeg(yale[2]!), 'image/jpeg');
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(String(refused.json.error), /operator/);
    const self = await flow.call('POST', '/api/face/upload-recognize', { enabled: true }, tokens.b);
    assert.equal(self.status, 403);
    assert.equal(dumpDatabase(ctx.server.identity.database), before);
    // The operator may: the photograph is A's, and the operator is told so.
    const seen = await recognizeUpload(tokens.operator, await jpeg(yale[2]!));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.wallet, a.publicKey.toBase58());
    assert.ok((seen[0]!.similarity ?? 0) >= 0.55, JSON.stringify(seen));
  });

  it('wallet B uploading A’s photograph learns nothing about A: the answer of a stranger’s face, no similarity', async () => {
    const allow = await flow.call('POST', '/api/face/upload-recognize', { enabled: true }, tokens.operator);
    assert.deepEqual([allow.status, allow.json.enabled], [200, true]);
    const ofA = await recognizeUpload(tokens.b, await jpeg(yale[2]!));
    const stranger = await recognizeUpload(tokens.b, await jpeg(await loadImage('astronaut.png')));
    assert.equal(ofA.length, 1);
    assert.equal(stranger.length, 1);
    const hidden = (f: Face) => ({
      keys: Object.keys(f).sort(),
      wallet: f.wallet,
      recognized: f.recognized,
      similarity: f.similarity,
    });
    assert.deepEqual(hidden(ofA[0]!), {
      keys: ['box', 'recognized', 'score', 'similarity', 'wallet'],
      wallet: null,
      recognized: false,
      similarity: null,
    });
    assert.deepEqual(hidden(ofA[0]!), hidden(stranger[0]!));
    // The same in the camera's frame, where A stands now.
    const frame = await flow.call('POST', '/api/face/recognize', {}, tokens.b);
    assert.equal(frame.status, 200, JSON.stringify(frame.json));
    assert.deepEqual((frame.json.faces as Face[]).map(hidden), [hidden(stranger[0]!)]);
    // A, asking about their own face, is told.
    const own = await recognizeUpload(tokens.a, await jpeg(yale[2]!));
    assert.equal(own[0]!.wallet, a.publicKey.toBase58());
    assert.equal(own[0]!.recognized, true);
    assert.ok((own[0]!.similarity ?? 0) >= 0.55);
  });
});
