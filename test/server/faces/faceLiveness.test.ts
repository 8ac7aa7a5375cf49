import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import type { RgbImage } from '../../../server/vision/visionTypes.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { PhotoCamera } from '../../helpers/photoCamera.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';
import { startTestServer } from '../../helpers/testServer.js';
import { type TurningFaces, turningFaces } from '../../helpers/turningFace.js';
import { type Answer, WalletFlow } from '../../helpers/walletFlow.js';
import { ChallengePlayer, type ChallengeView, follows, type Step } from '../../helpers/faceEnrolment.js';
import { assertFixturesInstalled } from '../vision/faceFixtures.js';

const TURNS = 3;

/**
 * Enrolment from the camera proves the face in frame is the caller's, on the real server with a
 * dir:// camera playing real frames of one face turning (test/helpers/turningFace.ts: the sample
 * footage). The frames are chosen as a person in front of the camera would move: the next step
 * of the challenge once the server has counted the previous one (polled by the caller, who alone
 * sees the steps). Both outcomes: the face that follows the steps is enrolled; wrong order, a
 * face that does not turn (the bystander) and a face swapped halfway are refused, and nothing is
 * stored (SQLite dump and the wallet's vault unchanged).
 */
describe('liveness challenge for enrolment from the camera', { timeout: 300_000 }, () => {
  const photos = new PhotoCamera(640, 480);
  const operator = Keypair.generate();
  let faces: TurningFaces;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let player: ChallengePlayer;
  let shown = 0;
  const show = (photo: RgbImage): Promise<void> => photos.show(photo, `s${String(++shown).padStart(4, '0')}`);
  const dump = (): string => dumpDatabase(ctx.server.identity.database);
  const stored = (wallet: Keypair): number => ctx.server.identity.vault.list(wallet.publicKey.toBase58()).length;

  before(async () => {
    assertFixturesInstalled();
    faces = await turningFaces();
    await show(faces.a.center);
    ctx = await startTestServer({
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '6',
      ECS_FACES__LIVENESS__TURNS: String(TURNS),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([photos.camera('cam')]),
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    assert.ok(ctx.server.faces, 'face recognition is on');
    flow = new WalletFlow(ctx.url);
    player = new ChallengePlayer(flow, show);
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    photos.close();
  });

  const newUser = async (): Promise<{ keypair: Keypair; token: string }> => {
    const keypair = Keypair.generate();
    return { keypair, token: (await flow.signIn(keypair)).token };
  };

  const view = (id: string, token: string): Promise<ChallengeView> => player.view(id, token);
  const hold = (photo: RgbImage, id: string, token: string, done: number, timeoutMs?: number) =>
    player.hold(photo, id, token, done, timeoutMs);
  const perform = (token: string, c: ChallengeView, frameFor: (step: Step, i: number) => RgbImage) =>
    player.perform(token, c, frameFor);
  const challengeFor = (token: string): Promise<ChallengeView> => player.challenge(token);

  const refused = async (res: Answer, before: string, wallet: Keypair, pattern: RegExp): Promise<void> => {
    assert.equal(res.status, 403, JSON.stringify(res.json));
    assert.match(String(res.json.error), pattern);
    assert.equal(dump(), before, 'nothing stored in the database');
    assert.equal(stored(wallet), 0, 'no biometric data for the wallet');
  };

  it('the face that follows the steps passes and is enrolled; without a passed challenge, 403 and nothing stored', async () => {
    const { keypair, token } = await newUser();
    const other = await newUser();
    const before = dump();
    await refused(await flow.call('POST', '/api/face/enroll', {}, token), before, keypair, /liveness challenge/);

    const challenge = await challengeFor(token);
    assert.equal(challenge.steps.length, 2 * TURNS + 1);
    challenge.steps.forEach((s, i) => assert.ok(i % 2 === 0 ? s === 'center' : s === 'left' || s === 'right', s));
    assert.equal(challenge.status, 'pending');
    assert.ok(challenge.expiresAt > Date.now() + 20_000 && challenge.expiresAt <= Date.now() + 30_000);
    // Only the caller sees it: another wallet gets 404, as for an unknown id.
    const peek = await flow.call('GET', `/api/face/enroll/challenge/${challenge.challengeId}`, undefined, other.token);
    assert.equal(peek.status, 404);
    const stolen = await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, other.token);
    assert.equal(stolen.status, 404, JSON.stringify(stolen.json));
    // Not performed yet.
    await refused(
      await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token),
      before,
      keypair,
      /pending/,
    );

    const done = await perform(token, challenge, follows(faces.a));
    assert.equal(done.status, 'passed', JSON.stringify(done));
    const enrolled = await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token);
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.json));
    assert.equal(enrolled.json.embeddings, 1);
    assert.equal(stored(keypair), 1);
    // Once only.
    const again = await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token);
    assert.equal(again.status, 403, JSON.stringify(again.json));
    assert.equal(stored(keypair), 1);
  });

  it('fails when the head turns the other way than asked', async () => {
    const { keypair, token } = await newUser();
    await show(faces.a.center);
    const before = dump();
    const challenge = await challengeFor(token);
    const opposite = (step: Step): Step => (step === 'left' ? 'right' : step === 'right' ? 'left' : 'center');
    const done = await perform(token, challenge, (step, i) => follows(faces.a)(opposite(step), i));
    assert.equal(done.status, 'failed', JSON.stringify(done));
    assert.match(String(done.reason), /expected (left|right), saw (left|right)/);
    assert.equal(done.done, 1, 'only the first step (facing the camera) was counted');
    await refused(
      await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token),
      before,
      keypair,
      /failed/,
    );
  });

  it('a face that does not turn (a bystander looking at the camera) never passes', async () => {
    const { keypair, token } = await newUser();
    await show(faces.b.center);
    const before = dump();
    const challenge = await challengeFor(token);
    const first = await hold(faces.b.center, challenge.challengeId, token, 0);
    assert.equal(first.done, 1, 'facing the camera counts as the first step');
    // Standing there for 4 s more (about 13 frames) changes nothing.
    await assert.rejects(hold(faces.b.center, challenge.challengeId, token, 1, 4000), /not counted/);
    const later = await view(challenge.challengeId, token);
    assert.deepEqual([later.status, later.done], ['pending', 1]);
    await refused(
      await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token),
      before,
      keypair,
      /pending/,
    );
  });

  it('fails when another face takes over halfway (the faces at the centre steps must match)', async () => {
    const { keypair, token } = await newUser();
    await show(faces.a.center);
    const before = dump();
    const challenge = await challengeFor(token);
    // The woman starts and makes the first turn; then the man, in the same place, goes on.
    const done = await perform(token, challenge, (step, i) =>
      i < 2 ? follows(faces.a)(step, i) : follows(faces.b)(step, i),
    );
    assert.equal(done.status, 'failed', JSON.stringify(done));
    assert.match(String(done.reason), /different face/);
    await refused(
      await flow.call('POST', '/api/face/enroll', { challengeId: challenge.challengeId }, token),
      before,
      keypair,
      /failed/,
    );
  });

  it('operator-approved enrolment: the user asks, only the operator approves, from their own session', async () => {
    const { keypair, token } = await newUser();
    const operatorToken = (await flow.signIn(operator)).token;
    await show(faces.a.center);
    const before = dump();
    const asked = await flow.call('POST', '/api/face/enroll/requests', {}, token);
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    const id = asked.json.requestId as string;
    const list = await flow.call('GET', '/api/face/enroll/requests', undefined, token);
    assert.equal(list.status, 403, 'a user cannot list requests');
    const self = await flow.call('POST', `/api/face/enroll/requests/${id}/approve`, {}, token);
    await refused(self, before, keypair, /operator/i);
    const listed = await flow.call('GET', '/api/face/enroll/requests', undefined, operatorToken);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.json.requests as { requestId: string; wallet: string }[]).map((r) => [r.requestId, r.wallet]),
      [[id, keypair.publicKey.toBase58()]],
    );
    const approved = await flow.call('POST', `/api/face/enroll/requests/${id}/approve`, {}, operatorToken);
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    assert.equal(approved.json.wallet, keypair.publicKey.toBase58());
    assert.equal(stored(keypair), 1);
    const twice = await flow.call('POST', `/api/face/enroll/requests/${id}/approve`, {}, operatorToken);
    assert.equal(twice.status, 404);
  });
});
