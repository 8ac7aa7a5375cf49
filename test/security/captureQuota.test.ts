import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { signBytes } from '../server/chain/chainFixtures.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';
import { readBackMp4 } from '../helpers/mp4ReadBack.js';
import { type Answer, WalletFlow } from '../helpers/walletFlow.js';

const MIB = 1024 * 1024;
/** The media disk budget: some 24 photos of this camera (about 2.5 KB each at 320×240). */
const BUDGET = 60 * 1024;
/** What one wallet may keep: some 12 photos. */
const WALLET_QUOTA = 30 * 1024;
const PHOTOS_PER_HOUR = 30;

/** A photo as the API shows it (the fields used here). */
interface Photo {
  id: string;
  wallet: string | null;
  bytes: number;
  createdAt: number;
  cameraId: string;
}

/**
 * The attack of issue 12: a wallet loops `POST /api/capture` to fill the disk budget so that
 * retention deletes everyone else's photos (it deleted the oldest first, whoever owned them).
 * Against the real server and camerad (test:// source), with a small budget and quota:
 * 1. A keeps a few photos, the oldest in the store. B floods until refused: 507 naming its byte
 *    quota; the refusal writes nothing (database dump and media folder unchanged).
 * 2. The operator (not bound by quotas) adds photos until the store is over the budget: retention
 *    trims B, the heaviest owner, not A, whose photos are older.
 * 3. B tries to get round its byte quota by deleting each photo it takes: its hourly photo quota
 *    (which counts deleted photos) answers 429 with Retry-After. A's photos and files, and the
 *    operator's, are all still there; B's rows and files stay within its quota, and the refusal
 *    writes nothing.
 * The check-in requirement is not part of this test (wallets sign in only, as in
 * test/server/capture/captureHttp.test.ts); request rate limits are set out of the way so that
 * the quotas themselves answer.
 */
describe('capture quotas: one wallet’s flood cannot cost another wallet its items', { timeout: 240_000 }, () => {
  const a = Keypair.generate();
  const b = Keypair.generate();
  const operator = Keypair.generate();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-sec-capture-'));
  const mediaDir = join(dataDir, 'media');
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let tokenA: string;
  let tokenB: string;
  let tokenOperator: string;

  const capture = (token: string): Promise<Answer & { retryAfter: string | null }> =>
    fetch(`${ctx.url}/api/capture`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
      async (res) => ({
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        json: (await res.json()) as Record<string, unknown>,
      }),
    );
  const db = () => ctx.server.identity.database;
  /** The photo rows of one owner, as stored. */
  const stored = (wallet: string): { id: string; bytes: number; file: string; created_at: number }[] =>
    db()
      .db.prepare(`SELECT id, bytes, file, created_at FROM media_items WHERE wallet = ? ORDER BY created_at, id`)
      .all(wallet) as { id: string; bytes: number; file: string; created_at: number }[];
  /** Every file under the media folder: relative path → size. */
  const mediaFiles = (): Map<string, number> => {
    const files = new Map<string, number>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else files.set(relative(mediaDir, path), statSync(path).size);
      }
    };
    walk(mediaDir);
    return files;
  };
  /** The sweep runs right after each new item; give it a turn before looking. */
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));
  /** Asserts that every photo is listed for its owner and its file is whole. */
  const allThere = async (photos: Photo[], token: string, who: string): Promise<void> => {
    const listed = await flow.call('GET', '/api/photos?limit=100', undefined, token);
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    const ids = new Set((listed.json.items as Photo[]).map((p) => p.id));
    const files = mediaFiles();
    for (const photo of photos) {
      assert.ok(ids.has(photo.id), `${who}'s photo ${photo.id} is listed`);
      assert.equal(files.get(`${photo.cameraId}/${photo.id}.jpg`), photo.bytes, `${who}'s photo ${photo.id} on disk`);
    }
  };
  /** Asserts that the database rows and the media folder match exactly (no orphan, no missing file). */
  const consistent = (): void => {
    const rows = db().db.prepare('SELECT file, bytes FROM media_items').all() as { file: string; bytes: number }[];
    assert.deepEqual(new Map(rows.map((r) => [r.file, r.bytes])), mediaFiles());
  };
  /** Asserts that `attempt` is refused with `status` and stores nothing. */
  const refusedWithoutTrace = async (
    attempt: () => Promise<Answer & { retryAfter: string | null }>,
    status: number,
  ): Promise<Answer & { retryAfter: string | null }> => {
    const dump = dumpDatabase(db());
    const files = mediaFiles();
    const res = await attempt();
    assert.equal(res.status, status, JSON.stringify(res.json));
    await settle();
    assert.equal(dumpDatabase(db()), dump, 'the database changed');
    assert.deepEqual(mediaFiles(), files, 'the media folder changed');
    return res;
  };

  before(async () => {
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
      ECS_OUTPUTS__RETENTION__DISK_BUDGET_MIB: String(BUDGET / MIB),
      ECS_OUTPUTS__QUOTAS__WALLET_BUDGET_MIB: String(WALLET_QUOTA / MIB),
      ECS_OUTPUTS__QUOTAS__PHOTOS_PER_HOUR: String(PHOTOS_PER_HOUR),
      // Request rates are another defence (limits.*): out of the way, so that the quotas answer.
      ECS_LIMITS__CAPTURE_PER_WALLET__POINTS: '100000',
      ECS_LIMITS__CAPTURE_PER_ADDRESS__POINTS: '100000',
    });
    flow = new WalletFlow(ctx.url);
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(20_000);
    tokenA = (await flow.signIn(a)).token;
    tokenB = (await flow.signIn(b)).token;
    tokenOperator = (await flow.signIn(operator)).token;
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('B floods until refused (507, then 429); A’s photos and files all stay, B’s stay within its quota', async (t) => {
    const walletA = a.publicKey.toBase58();
    const walletB = b.publicKey.toBase58();
    // A's photos: the oldest in the store, well within A's quota.
    const photosA: Photo[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await capture(tokenA);
      assert.equal(res.status, 201, JSON.stringify(res.json));
      photosA.push(res.json as unknown as Photo);
    }
    const bytesA = photosA.reduce((sum, p) => sum + p.bytes, 0);
    assert.ok(bytesA < WALLET_QUOTA / 2, `A keeps ${bytesA} bytes`);

    // 1. B floods until refused: its byte quota answers 507 and names itself.
    let accepted = 0;
    let last: Answer | undefined;
    for (let i = 0; i < 100; i += 1) {
      last = await capture(tokenB);
      if (last.status !== 201) break;
      accepted += 1;
    }
    assert.equal(last?.status, 507, JSON.stringify(last?.json));
    assert.equal(last?.json.field, 'outputs.quotas.walletBudgetMib');
    assert.match(String(last?.json.error), /storage quota/);
    const phase1 = stored(walletB);
    assert.equal(phase1.length, accepted);
    const bytesB = phase1.reduce((sum, r) => sum + r.bytes, 0);
    assert.ok(bytesB <= WALLET_QUOTA, `B keeps ${bytesB} bytes, quota ${WALLET_QUOTA}`);
    assert.ok(bytesB > WALLET_QUOTA - 2 * 4096, `B stopped at its quota (${bytesB} bytes)`);
    await refusedWithoutTrace(() => capture(tokenB), 507);
    await allThere(photosA, tokenA, 'A');
    consistent();

    // 2. The operator (no quota) fills the store over the budget: retention takes from B, the
    // heaviest owner, although A's photos are the oldest.
    const photosOperator: Photo[] = [];
    for (let i = 0; i < 40 && stored(walletB).length === phase1.length; i += 1) {
      const res = await capture(tokenOperator);
      assert.equal(res.status, 201, JSON.stringify(res.json));
      photosOperator.push(res.json as unknown as Photo);
      await settle();
    }
    await allThere(photosA, tokenA, 'A');
    const afterTrim = stored(walletB);
    assert.ok(afterTrim.length < phase1.length, 'retention trimmed B');
    assert.deepEqual(
      phase1.slice(phase1.length - afterTrim.length).map((r) => r.id),
      afterTrim.map((r) => r.id),
      'B lost its oldest photos',
    );
    const opBytes = photosOperator.reduce((sum, p) => sum + p.bytes, 0);
    assert.ok(opBytes < bytesB, `the operator (${opBytes} bytes) holds less than B held (${bytesB})`);
    assert.ok(
      Math.max(...photosA.map((p) => p.createdAt)) <= Math.min(...phase1.map((r) => r.created_at)),
      'A’s photos are older than B’s: oldest-first retention would have taken A’s',
    );
    await allThere(photosA, tokenA, 'A');
    await allThere(photosOperator, tokenOperator, 'the operator');

    // 3. B deletes a photo, then takes and deletes photos in a loop, to stay under its byte
    // quota: the hourly quota counts the deleted ones too.
    const newest = afterTrim.at(-1)!;
    assert.equal((await flow.call('DELETE', `/api/photos/${newest.id}`, undefined, tokenB)).status, 200);
    let refusal: (Answer & { retryAfter: string | null }) | undefined;
    for (let i = 0; i < 100 && !refusal; i += 1) {
      const res = await capture(tokenB);
      if (res.status === 429) {
        refusal = res;
        break;
      }
      assert.equal(res.status, 201, JSON.stringify(res.json));
      accepted += 1;
      const deleted = await flow.call('DELETE', `/api/photos/${res.json.id as string}`, undefined, tokenB);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    }
    t.diagnostic(`B: ${accepted} photos accepted in all, ${phase1.length} in the first flood`);
    assert.ok(refusal, 'B was refused with 429');
    assert.equal(accepted, PHOTOS_PER_HOUR, 'B took exactly its hourly quota');
    assert.equal(refusal.json.field, 'outputs.quotas.photosPerHour');
    assert.match(String(refusal.json.error), /photos per hour/);
    const retryAfter = Number(refusal.retryAfter);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 3500 && retryAfter <= 3600,
      `Retry-After ${refusal.retryAfter}`,
    );
    const again = await refusedWithoutTrace(() => capture(tokenB), 429);
    assert.ok(Number(again.retryAfter) >= 1);

    // Nothing of A's or the operator's went; B's flood is bounded in the rows and on disk.
    await allThere(photosA, tokenA, 'A');
    await allThere(photosOperator, tokenOperator, 'the operator');
    consistent();
    const finalB = stored(walletB);
    const finalBytesB = finalB.reduce((sum, r) => sum + r.bytes, 0);
    const files = mediaFiles();
    const total = [...files.values()].reduce((sum, n) => sum + n, 0);
    t.diagnostic(
      `A ${bytesA} bytes in ${photosA.length}; operator ${opBytes} in ${photosOperator.length}; B ${finalBytesB} in ${finalB.length}; all ${total} of ${BUDGET}`,
    );
    assert.ok(finalBytesB <= WALLET_QUOTA, `B keeps ${finalBytesB} bytes`);
    assert.ok(finalB.every((r) => files.get(r.file) === r.bytes));
    assert.ok(total <= BUDGET, `the media folder holds ${total} bytes, budget ${BUDGET}`);
    assert.equal(stored(walletA).length, photosA.length);
  });
});

/**
 * Recordings: one per wallet, and a wallet's recording cannot outgrow its byte quota. A wallet
 * signed in at two cameras (a session per camera) cannot record both at once (409, nothing
 * stored for the second); another wallet meets the camera's one slot (409, as before); the
 * recording stops by itself before its wallet passes the quota, with a playable file.
 */
describe('capture quotas: one recording per wallet, bounded by the wallet’s bytes', { timeout: 240_000 }, () => {
  const c = Keypair.generate();
  const d = Keypair.generate();
  const QUOTA = 256 * 1024; // some 10 s of this camera's video
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-sec-record-'));
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;

  /** Sign-in at a given camera: the session acts there. */
  const signInAt = async (keypair: Keypair, cameraId: string): Promise<string> => {
    const challenge = await flow.call('POST', '/api/session/challenge', {
      wallet: keypair.publicKey.toBase58(),
      cameraId,
    });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    const message = challenge.json.message as string;
    const signature = bs58.encode(signBytes(keypair, Buffer.from(message)));
    const res = await flow.call('POST', '/api/session/signin', { message, signature });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json.token as string;
  };
  const rowsAt = (cameraId: string): number =>
    (
      ctx.server.identity.database.db
        .prepare('SELECT count(*) AS n FROM media_items WHERE camera_id = ?')
        .get(cameraId) as { n: number }
    ).n;

  before(async () => {
    const camera = { source: 'test://', width: 320, height: 240, fps: 15, bitrateKbps: 200, keyframeInterval: 15 };
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', ...camera },
        { id: 'cam2', ...camera },
      ]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_OUTPUTS__QUOTAS__WALLET_BUDGET_MIB: String(QUOTA / MIB),
      ECS_LIMITS__CAPTURE_PER_WALLET__POINTS: '100000',
      ECS_LIMITS__CAPTURE_PER_ADDRESS__POINTS: '100000',
    });
    flow = new WalletFlow(ctx.url);
    await Promise.all([...ctx.server.cameras.values()].map((cam) => cam.supervisor.waitRunning(20_000)));
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second recording by the same wallet → 409; the recording stops itself at the wallet quota', async (t) => {
    const atCam = await signInAt(c, 'cam');
    const atCam2 = await signInAt(c, 'cam2');
    const other = await signInAt(d, 'cam');
    const started = await flow.call('POST', '/api/record/start', undefined, atCam);
    assert.equal(started.status, 201, JSON.stringify(started.json));
    const id = started.json.id as string;

    const second = await flow.call('POST', '/api/record/start', undefined, atCam2);
    assert.equal(second.status, 409, JSON.stringify(second.json));
    assert.equal(second.json.field, 'wallet');
    assert.match(String(second.json.error), /one recording per wallet/);
    assert.equal(rowsAt('cam2'), 0, 'no row for the refused recording');
    assert.deepEqual(
      readdirSync(join(dataDir, 'media')).includes('cam2') ? readdirSync(join(dataDir, 'media', 'cam2')) : [],
      [],
    );
    const slot = await flow.call('POST', '/api/record/start', undefined, other);
    assert.equal(slot.status, 409, JSON.stringify(slot.json));
    assert.match(String(slot.json.error), /already recording/);
    assert.equal(rowsAt('cam'), 1);

    // Nobody stops it: the quota does, before the wallet passes it.
    let item: Record<string, unknown> | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const list = await flow.call('GET', '/api/videos', undefined, atCam);
      item = (list.json.items as Record<string, unknown>[]).find((v) => v.id === id);
      if (item?.status !== 'recording') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(item?.status, 'complete', JSON.stringify(item));
    assert.match(String(item?.error), /storage quota/);
    const bytes = item?.bytes as number;
    const path = join(dataDir, 'media', 'cam', `${id}.mp4`);
    assert.equal(statSync(path).size, bytes);
    assert.ok(bytes <= QUOTA && bytes > QUOTA / 4, `${bytes} bytes, quota ${QUOTA}`);
    const decoded = readBackMp4(path);
    t.diagnostic(`stopped at ${bytes} of ${QUOTA} bytes after ${item?.durationMs} ms; ${decoded.frames} frames decode`);
    assert.ok(decoded.frames > 0, decoded.log);
    // The slot is free again, and the other camera too.
    const next = await flow.call('POST', '/api/record/start', undefined, other);
    assert.equal(next.status, 201, JSON.stringify(next.json));
    assert.equal((await flow.call('POST', '/api/record/stop', undefined, other)).status, 200);
  });
});
