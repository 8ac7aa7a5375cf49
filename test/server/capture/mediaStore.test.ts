import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { HelloData } from '../../../media/camerad/CameradProtocol.js';
import type { CameradState, CameradSupervisorEvents } from '../../../media/camerad/CameradSupervisorTypes.js';
import type { GrabbedFrame } from '../../../media/camera/CameraTypes.js';
import { CameradError } from '../../../media/core/errors.js';
import { TypedEmitter } from '../../../media/core/TypedEmitter.js';
import { CaptureError } from '../../../server/capture/CaptureError.js';
import { captureConfigSchema, walletBudgetBytes } from '../../../server/capture/captureConfig.js';
import { CaptureQuota } from '../../../server/capture/CaptureQuota.js';
import { ConfigError } from '../../../server/config/ConfigError.js';
import { loadConfig } from '../../../server/config/loadConfig.js';
import { projectRoot } from '../../../server/config/projectRoot.js';
import { captureMigrations } from '../../../server/capture/captureMigrations.js';
import type { RecordingEvent, RecordingResult } from '../../../media/camerad/CameradProtocol.js';
import type { CaptureCamera, MediaItem } from '../../../server/capture/captureTypes.js';
import { isMediaId, newMediaId } from '../../../server/capture/mediaId.js';
import { MediaStore } from '../../../server/capture/MediaStore.js';
import { MediaUrlSigner } from '../../../server/capture/MediaUrlSigner.js';
import { PhotoCapture } from '../../../server/capture/PhotoCapture.js';
import { RecordingManager } from '../../../server/capture/RecordingManager.js';
import { RetentionSweeper } from '../../../server/capture/RetentionSweeper.js';
import { AppDatabase } from '../../../server/store/AppDatabase.js';
import { waitFor } from '../../helpers/walletFlow.js';
import { testLogger } from '../../helpers/logger.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';

/** `outputs.recording.fragmentMs` by default. */
const FRAGMENT_MS = captureConfigSchema.parse({}).recording.fragmentMs;

const DAY = 86_400_000;
const WALLET_A = 'A'.repeat(44);
const WALLET_B = 'B'.repeat(44);

interface Fixture {
  dir: string;
  database: AppDatabase;
  store: MediaStore;
  remove(): void;
}

let fixture: Fixture | undefined;
afterEach(() => {
  fixture?.remove();
  fixture = undefined;
});

/** A store on a temporary SQLite file and data folder. */
function open(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-media-'));
  const database = AppDatabase.open(join(dir, 'server.db'), captureMigrations, testLogger);
  const store = new MediaStore({ db: database, dataDir: dir });
  fixture = {
    dir,
    database,
    store,
    remove: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Adds an item with a file of `bytes` bytes. */
function add(
  store: MediaStore,
  fields: Partial<MediaItem> & { createdAt: number },
  bytes = 100,
  cameraId = 'cam',
): MediaItem {
  const id = newMediaId();
  const kind = fields.kind ?? 'photo';
  const { file, path } = store.newFile(cameraId, id, kind === 'photo' ? 'jpg' : 'mp4');
  writeFileSync(path, Buffer.alloc(bytes, 7));
  return store.insert({
    id,
    kind,
    cameraId,
    wallet: WALLET_A,
    startedAt: fields.createdAt,
    stoppedAt: null,
    frames: 1,
    bytes: fields.status === 'recording' ? null : bytes,
    width: 320,
    height: 240,
    status: 'complete',
    error: null,
    faces: null,
    file,
    ...fields,
  });
}

describe('MediaStore', () => {
  test('ids are 32 lowercase hex characters; files are named by the server inside the media folder', () => {
    const { store, dir } = open();
    const id = newMediaId();
    assert.ok(isMediaId(id), id);
    assert.notEqual(newMediaId(), id);
    for (const bad of ['../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', id.toUpperCase(), `${id}0`, '', 42]) {
      assert.equal(isMediaId(bad), false, String(bad));
    }
    assert.equal(store.get('../../etc/passwd'), undefined);
    const { file, path } = store.newFile('cam', id, 'mp4');
    assert.equal(file, `cam/${id}.mp4`);
    assert.equal(path, join(dir, 'media', 'cam', `${id}.mp4`));
    assert.throws(() => store.newFile('../x', id, 'mp4'), TypeError);
    assert.throws(() => store.newFile('cam', '../../etc/passwd', 'mp4'), TypeError);
    assert.throws(() => store.pathOf({ file: '../server.db' }), /outside the media folder/);
  });

  test('lists newest first by kind and owner, with a cursor for the next page', () => {
    const { store } = open();
    const t0 = Date.now();
    const photos = [0, 1, 2, 3, 4].map((i) => add(store, { createdAt: t0 + i * 1000 }));
    const same = add(store, { createdAt: t0 + 4000 }); // same time as photos[4]: ordered by id
    add(store, { createdAt: t0 + 10_000, wallet: WALLET_B });
    add(store, { createdAt: t0 + 20_000, kind: 'video' });
    const expected = [...photos, same]
      .sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1))
      .map((p) => p.id);

    const seen: string[] = [];
    let before = undefined as ReturnType<typeof MediaStore.parseCursor>;
    let pages = 0;
    for (;;) {
      const page = store.list({ kind: 'photo', wallet: WALLET_A, limit: 4, ...(before ? { before } : {}) });
      pages += 1;
      seen.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      before = MediaStore.parseCursor(page.next);
      assert.ok(before, page.next);
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen, expected);
    assert.equal(store.list({ kind: 'photo', limit: 100 }).items.length, 7, 'every owner for the operator');
    assert.equal(store.list({ kind: 'video', wallet: WALLET_A, limit: 100 }).items.length, 1);
    assert.equal(store.list({ kind: 'photo', wallet: WALLET_B, limit: 100 }).items.length, 1);
    assert.equal(MediaStore.parseCursor('1-../../etc'), undefined);
  });

  test('delete removes the file and the row, and refuses an item being recorded', () => {
    const { store } = open();
    const photo = add(store, { createdAt: Date.now() });
    const recording = add(store, { createdAt: Date.now(), kind: 'video', status: 'recording' });
    assert.ok(existsSync(store.pathOf(photo)));
    assert.equal(store.delete(photo.id)?.id, photo.id);
    assert.equal(existsSync(store.pathOf(photo)), false);
    assert.equal(store.get(photo.id), undefined);
    assert.equal(store.delete(photo.id), undefined);
    assert.throws(
      () => store.delete(recording.id),
      (e: unknown) => e instanceof CaptureError && e.code === 'in_progress',
    );
    assert.ok(existsSync(store.pathOf(recording)));
  });
});

describe('RetentionSweeper', () => {
  test('deletes by age, then the oldest while over the budget, never an item being recorded', () => {
    const { store } = open();
    const now = Date.now();
    const ancient = add(store, { createdAt: now - 40 * DAY }, 1000);
    const oldRecording = add(store, { createdAt: now - 50 * DAY, kind: 'video', status: 'recording' }, 3000);
    const a = add(store, { createdAt: now - 5 * DAY }, 1000);
    const b = add(store, { createdAt: now - 4 * DAY, kind: 'video', status: 'interrupted' }, 1000);
    const c = add(store, { createdAt: now - 3 * DAY }, 1000);
    const d = add(store, { createdAt: now - 2 * DAY }, 1000);
    const sweeper = new RetentionSweeper({
      store,
      maxAgeMs: 30 * DAY,
      diskBudgetBytes: 5500, // recording 3000 + a..d 4000 = 7000: two must go
      sweepIntervalMs: 60_000,
      logger: testLogger,
      now: () => now,
    });
    const result = sweeper.sweep();
    assert.deepEqual(
      result.expired.map((i) => i.id),
      [ancient.id],
    );
    assert.deepEqual(
      result.overBudget.map((i) => i.id),
      [a.id, b.id],
    );
    assert.equal(result.usage, 5000);
    for (const gone of [ancient, a, b]) {
      assert.equal(store.get(gone.id), undefined);
      assert.equal(existsSync(store.pathOf(gone)), false);
    }
    for (const kept of [oldRecording, c, d]) assert.ok(store.get(kept.id) && existsSync(store.pathOf(kept)));

    // Recordings alone over the budget: nothing else to delete, and the recording stays.
    const tight = new RetentionSweeper({
      store,
      maxAgeMs: 30 * DAY,
      diskBudgetBytes: 100,
      sweepIntervalMs: 60_000,
      logger: testLogger,
      now: () => now,
    });
    const second = tight.sweep();
    assert.deepEqual(second.overBudget.map((i) => i.id).sort(), [c.id, d.id].sort());
    assert.equal(second.usage, 3000);
    assert.ok(store.get(oldRecording.id));
    tight.close();
    tight.close();
    sweeper.close();
  });

  test('runs soon after schedule() and on its timer; close() stops it and is idempotent', async () => {
    const { store } = open();
    const now = Date.now();
    const sweeper = new RetentionSweeper({
      store,
      maxAgeMs: DAY,
      diskBudgetBytes: 1e9,
      sweepIntervalMs: 50,
      logger: testLogger,
    });
    sweeper.start();
    const old = add(store, { createdAt: now - 2 * DAY });
    await waitFor(() => store.get(old.id) === undefined, 'timer sweep');
    const old2 = add(store, { createdAt: now - 2 * DAY });
    sweeper.schedule();
    await waitFor(() => store.get(old2.id) === undefined, 'scheduled sweep');
    sweeper.close();
    sweeper.close();
    const old3 = add(store, { createdAt: now - 2 * DAY });
    sweeper.schedule();
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(store.get(old3.id), 'no sweep after close');
  });
});

describe('retention per owner and the wallet quotas', () => {
  const WALLET_O = 'O'.repeat(44); // the operator's wallet: not bound by the quotas
  const quotaOf = (store: MediaStore, walletBytes: number, now = () => Date.now(), photosPerHour = 1000) =>
    new CaptureQuota({
      store,
      photosPerHour,
      walletBytes,
      walletBytesSetting: 'outputs.quotas.walletBudgetMib',
      isExempt: (w) => w === WALLET_O,
      now,
    });
  const onDisk = (store: MediaStore, items: MediaItem[]): boolean =>
    items.every((i) => store.get(i.id) !== undefined && existsSync(store.pathOf(i)));

  test('over the disk budget the heaviest owner loses its oldest items; older items of lighter owners stay', () => {
    const { store, database } = open();
    const now = Date.now();
    const a = [10, 9, 8].map((d) => add(store, { createdAt: now - d * DAY, wallet: WALLET_A }, 1000));
    const operator = add(store, { createdAt: now - 7 * DAY, wallet: null }, 1500);
    // B floods: ten newer photos, 5000 bytes in all.
    const b = [...Array(10).keys()].map((i) => add(store, { createdAt: now - DAY + i * 1000, wallet: WALLET_B }, 500));
    const sweeper = new RetentionSweeper({
      store,
      maxAgeMs: 30 * DAY,
      diskBudgetBytes: 7000, // 9500 held: 2500 must go
      sweepIntervalMs: 60_000,
      logger: testLogger,
      now: () => now,
    });
    const result = sweeper.sweep();
    // B down to A's 3000, then the tie goes against the owner who wrote last (B) once more.
    assert.deepEqual(
      result.overBudget.map((i) => i.id),
      b.slice(0, 5).map((i) => i.id),
      'B’s five oldest, oldest first',
    );
    assert.deepEqual(result.expired, []);
    assert.equal(result.usage, 7000);
    assert.ok(onDisk(store, [...a, operator, ...b.slice(5)]), 'A’s and the operator’s items and files are all there');
    for (const gone of b.slice(0, 5)) assert.equal(existsSync(store.pathOf(gone)), false);
    // A second sweep has nothing to do: the store is unchanged.
    const dump = dumpDatabase(database);
    assert.deepEqual(sweeper.sweep().overBudget, []);
    assert.equal(dumpDatabase(database), dump);
    sweeper.close();
  });

  test('the items with no wallet are one owner; an owner holding only a recording is passed over', () => {
    const { store } = open();
    const now = Date.now();
    const mine = [3, 2].map((d) => add(store, { createdAt: now - d * DAY, wallet: null }, 2000));
    const recording = add(
      store,
      { createdAt: now - 5 * DAY, wallet: WALLET_B, kind: 'video', status: 'recording' },
      9000,
    );
    const a = [4, 1].map((d) => add(store, { createdAt: now - d * DAY, wallet: WALLET_A }, 1000));
    const sweeper = new RetentionSweeper({
      store,
      maxAgeMs: 30 * DAY,
      diskBudgetBytes: 13_000, // 15000 held: B's recording cannot go, the operator's 4000 is next heaviest
      sweepIntervalMs: 60_000,
      logger: testLogger,
      now: () => now,
    });
    const result = sweeper.sweep();
    assert.deepEqual(
      result.overBudget.map((i) => i.id),
      [mine[0]!.id],
    );
    assert.ok(onDisk(store, [recording, mine[1]!, ...a]));
    assert.equal(result.usage, 13_000);
    sweeper.close();
  });

  test('a wallet over its byte quota loses only its own oldest items; the operator’s wallet is not bound', () => {
    const { store } = open();
    const now = Date.now();
    // A: the oldest items in the store, and within its quota.
    const a = [20, 19].map((d) => add(store, { createdAt: now - d * DAY, wallet: WALLET_A }, 1000));
    const b = [5, 4, 3, 2].map((d) => add(store, { createdAt: now - d * DAY, wallet: WALLET_B }, 1000));
    const bRecording = add(store, { createdAt: now, wallet: WALLET_B, kind: 'video', status: 'recording' }, 700);
    const o = [6, 5, 4].map((d) => add(store, { createdAt: now - d * DAY, wallet: WALLET_O }, 1000));
    const nobody = add(store, { createdAt: now - 25 * DAY, wallet: null }, 3000);
    const sweeper = new RetentionSweeper({
      store,
      maxAgeMs: 30 * DAY,
      diskBudgetBytes: 1e9,
      quota: quotaOf(store, 2000),
      sweepIntervalMs: 60_000,
      logger: testLogger,
      now: () => now,
    });
    const result = sweeper.sweep();
    // B holds 4700 (its recording counts): three finished items go; the recording stays.
    assert.deepEqual(
      result.overQuota.map((i) => i.id),
      b.slice(0, 3).map((i) => i.id),
    );
    assert.deepEqual(result.overBudget, []);
    assert.ok(onDisk(store, [...a, b[3]!, bRecording, ...o, nobody]));
    assert.equal(store.usageOf(WALLET_B), 1700);
    sweeper.close();
  });

  test('CaptureQuota: photos per sliding hour with Retry-After, bytes kept, the operator free of both', () => {
    const { store } = open();
    let now = Date.now();
    const quota = quotaOf(store, 1000, () => now, 3);
    const user = { wallet: WALLET_A, operator: false };
    for (const minutesAgo of [50, 40, 30]) add(store, { createdAt: now - minutesAgo * 60_000 }, 100);
    add(store, { createdAt: now - 2 * 3_600_000 }, 100); // older than an hour: not counted
    assert.throws(
      () => quota.checkPhoto(user),
      (e: unknown) =>
        e instanceof CaptureError &&
        e.code === 'rate_limited' &&
        e.retryAfterS === 600 &&
        e.field === 'outputs.quotas.photosPerHour' &&
        /3 photos per hour per wallet/.test(e.message),
    );
    quota.checkPhoto({ wallet: WALLET_A, operator: true }); // the operator's session
    quota.checkPhoto({ wallet: null, operator: true }); // the deployment token
    quota.checkPhoto({ wallet: WALLET_O, operator: false }); // the operator's wallet
    now += 600_001; // the photo of 50 minutes ago leaves the window
    quota.checkPhoto(user);
    // Bytes: A keeps 400 of 1000.
    assert.equal(quota.bytesLeft(WALLET_A), 600);
    quota.checkPhoto(user, 600);
    assert.throws(
      () => quota.checkPhoto(user, 601),
      (e: unknown) =>
        e instanceof CaptureError &&
        e.code === 'over_quota' &&
        e.field === 'outputs.quotas.walletBudgetMib' &&
        /storage quota/.test(e.message),
    );
    add(store, { createdAt: now }, 600);
    assert.throws(
      () => quota.checkRecording(user),
      (e: unknown) => e instanceof CaptureError && e.code === 'over_quota',
    );
    quota.checkRecording({ wallet: WALLET_A, operator: true });
    quota.checkRecording({ wallet: WALLET_B, operator: false });
    assert.equal(quota.bytesLeft(null), Infinity);

    // Photos deleted after they were taken (by their owner, or by retention) still count.
    const b = { wallet: WALLET_B, operator: false };
    for (let i = 0; i < 3; i += 1) {
      const photo = add(store, { createdAt: now + i * 1000, wallet: WALLET_B }, 10);
      quota.notePhoto(b, photo.createdAt);
      store.delete(photo.id);
    }
    assert.throws(
      () => quota.checkPhoto(b),
      (e: unknown) => e instanceof CaptureError && e.code === 'rate_limited' && e.retryAfterS === 3600,
    );
    now += 3_600_001; // the first leaves the window
    quota.checkPhoto(b);
    quota.notePhoto({ wallet: WALLET_O, operator: false }, now); // not bound: not logged
    quota.checkPhoto({ wallet: WALLET_O, operator: false });
  });

  test('config: quotas from the outputs slice; the old diskBudgetMb key is refused naming the new one', () => {
    const config = captureConfigSchema.parse({});
    assert.equal(config.retention.diskBudgetMib, 2048);
    assert.equal(walletBudgetBytes(config), 512 * 1024 * 1024, '25 % of 2048 MiB');
    assert.equal(config.quotas.photosPerHour, 120);
    assert.equal(
      walletBudgetBytes(captureConfigSchema.parse({ quotas: { walletBudgetMib: 0.5 } })),
      512 * 1024,
      'an absolute MiB replaces the share',
    );
    assert.throws(
      () => loadConfig(projectRoot(), undefined, { ECS_OUTPUTS__RETENTION__DISK_BUDGET_MB: '100' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.setting === 'outputs.retention.diskBudgetMb' &&
        /renamed diskBudgetMib/.test(e.message),
    );
    const loaded = loadConfig(projectRoot(), undefined, {
      ECS_OUTPUTS__RETENTION__DISK_BUDGET_MIB: '100',
      ECS_OUTPUTS__QUOTAS__PHOTOS_PER_HOUR: '7',
    });
    assert.equal(loaded.outputs.retention.diskBudgetMib, 100);
    assert.equal(loaded.outputs.quotas.photosPerHour, 7);
  });
});

describe('MediaUrlSigner', () => {
  test('a signature is valid for its id until it expires, and not for another id or a changed one', () => {
    let now = 1_700_000_000_000;
    const signer = new MediaUrlSigner({ ttlS: 60, now: () => now });
    const id = newMediaId();
    const params = new URLSearchParams(signer.sign(id));
    const exp = params.get('exp')!;
    const sig = params.get('sig')!;
    assert.equal(signer.verify(id, exp, sig), true);
    assert.equal(signer.verify(newMediaId(), exp, sig), false);
    assert.equal(signer.verify(id, String(Number(exp) + 1), sig), false);
    assert.equal(
      signer.verify(
        id,
        exp,
        sig.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
      false,
    );
    assert.equal(signer.verify(id, undefined, sig), false);
    assert.equal(signer.verify(id, [exp], sig), false);
    assert.equal(new MediaUrlSigner({ ttlS: 60, now: () => now }).verify(id, exp, sig), false, 'another key');
    now += 61_000;
    assert.equal(signer.verify(id, exp, sig), false, 'expired');
  });
});

/** A camera whose camerad is simulated: records what it is asked, emits what the test says. */
class FakeCamera implements CaptureCamera {
  readonly id = 'cam';
  readonly size = { width: 320, height: 240 };
  readonly supervisor = Object.assign(new TypedEmitter<CameradSupervisorEvents>(), {
    pid: 1000 as number | undefined,
    state: 'running' as const,
  });
  readonly listeners = new Set<(event: RecordingEvent) => void>();
  recordingPath: string | undefined;

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  get state(): 'running' {
    return this.supervisor.state;
  }

  onState(listener: (state: CameradState) => void): () => void {
    this.supervisor.on('state', listener);
    return () => this.supervisor.off('state', listener);
  }

  onRestarted(listener: (hello: HelloData) => void): () => void {
    this.supervisor.on('hello', listener);
    return () => this.supervisor.off('hello', listener);
  }
  startError: Error | undefined;

  noSignal = false;

  async grab(): Promise<GrabbedFrame> {
    return {
      format: 'jpeg',
      width: 320,
      height: 240,
      stride: 0,
      data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]),
      frame: 7,
      captureTimeMs: 1_700_000_000_123,
      overlays: false,
      noSignal: this.noSignal,
    };
  }

  async startRecording(path: string): Promise<{ path: string; fragment_ms: number }> {
    if (this.startError) throw this.startError;
    if (this.recordingPath) throw new CameradError('busy', 'already recording');
    writeFileSync(path, Buffer.alloc(500, 1));
    this.recordingPath = path;
    return { path, fragment_ms: 1000 };
  }

  async stopRecording(): Promise<RecordingResult> {
    const path = this.recordingPath;
    if (!path) throw new CameradError('not_recording', 'not recording');
    this.recordingPath = undefined;
    writeFileSync(path, Buffer.alloc(2000, 1));
    return { path, frames: 50, bytes: 2000, started_us: 1_000_000_000, stopped_us: 1_004_900_000, duration_ms: 5000 };
  }

  onRecording(listener: (event: RecordingEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: RecordingEvent): void {
    for (const l of this.listeners) l(event);
  }
}

describe('RecordingManager (simulated camerad)', () => {
  const user = { wallet: WALLET_A, operator: false };
  const make = (maxDurationMs = 60_000) => {
    const { store } = open();
    const camera = new FakeCamera();
    const manager = new RecordingManager({
      store,
      cameras: new Map([['cam', camera]]),
      maxDurationMs,
      fragmentMs: FRAGMENT_MS,
      logger: testLogger,
    });
    return { store, camera, manager };
  };

  test('start, start again (busy), stop with camerad’s numbers, stop again (not recording)', async () => {
    const { store, camera, manager } = make();
    const started = await manager.start('cam', user);
    assert.equal(started.status, 'recording');
    assert.equal(started.wallet, WALLET_A);
    assert.equal(camera.recordingPath, store.pathOf(started));
    await assert.rejects(manager.start('cam', user), (e: unknown) => e instanceof CaptureError && e.code === 'busy');
    camera.emit({ state: 'recording', path: camera.recordingPath!, frames: 0, bytes: 0, started_us: 1_000_000_000 });
    assert.equal(store.get(started.id)?.startedAt, 1_000_000);
    const stopped = await manager.stop('cam');
    assert.equal(stopped.status, 'complete');
    assert.equal(stopped.frames, 50);
    assert.equal(stopped.bytes, 2000);
    assert.equal(stopped.startedAt, 1_000_000);
    assert.equal(stopped.stoppedAt, 1_005_000);
    await assert.rejects(manager.stop('cam'), (e: unknown) => e instanceof CaptureError && e.code === 'not_recording');
    await manager.close();
  });

  test('a failed notification (ENOSPC) ends the item as failed with the error; a new one can start', async () => {
    const { store, camera, manager } = make();
    const item = await manager.start('cam', user);
    const path = camera.recordingPath!;
    camera.recordingPath = undefined;
    camera.emit({ state: 'failed', path, frames: 31, bytes: 500, error: 'No space left on device', stopped_us: 2e12 });
    const failed = store.get(item.id)!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /No space left on device/);
    assert.equal(failed.frames, 31);
    assert.equal(manager.current('cam'), undefined);
    await assert.rejects(manager.stop('cam'), /not recording/);
    assert.equal((await manager.start('cam', user)).status, 'recording');
    await manager.close();
  });

  test('camerad leaving running or a hello from a new pid interrupts; recover() ends rows of an earlier run', async () => {
    const { store, camera, manager } = make();
    const first = await manager.start('cam', user);
    camera.recordingPath = undefined;
    camera.supervisor.safeEmit('state', 'restarting');
    const interrupted = store.get(first.id)!;
    assert.equal(interrupted.status, 'interrupted');
    assert.equal(interrupted.bytes, 500);
    assert.ok(interrupted.stoppedAt !== null);

    const second = await manager.start('cam', user);
    camera.recordingPath = undefined;
    camera.supervisor.safeEmit('hello', { pid: 1000 } as HelloData); // same camerad: goes on
    assert.equal(store.get(second.id)!.status, 'recording');
    camera.supervisor.safeEmit('hello', { pid: 2000 } as HelloData);
    assert.equal(store.get(second.id)!.status, 'interrupted');
    await manager.close();

    // A row left `recording` by a crashed server, with and without its file.
    const withFile = add(store, { createdAt: Date.now(), kind: 'video', status: 'recording' }, 700);
    const noFile = add(store, { createdAt: Date.now(), kind: 'video', status: 'recording' });
    rmSync(store.pathOf(noFile));
    const again = new RecordingManager({
      store,
      cameras: new Map([['cam', new FakeCamera()]]),
      maxDurationMs: 1000,
      fragmentMs: FRAGMENT_MS,
      logger: testLogger,
    });
    assert.deepEqual(
      again
        .recover()
        .map((i) => i.id)
        .sort(),
      [withFile.id, noFile.id].sort(),
    );
    assert.equal(store.get(withFile.id)!.status, 'interrupted');
    assert.equal(store.get(withFile.id)!.bytes, 700);
    assert.equal(store.get(noFile.id)!.status, 'failed');
    assert.deepEqual(store.recording(), []);
    await again.close();
  });

  test('stops by itself at the maximum duration; a failed start leaves nothing behind', async () => {
    const { store, camera, manager } = make(200);
    const item = await manager.start('cam', user);
    await waitFor(() => store.get(item.id)?.status === 'complete', 'stop at the maximum duration', 3000);
    camera.startError = new Error('No space left on device');
    await assert.rejects(
      manager.start('cam', user),
      (e: unknown) => e instanceof CaptureError && e.code === 'disk_full',
    );
    assert.equal(store.list({ kind: 'video', limit: 100 }).items.length, 1);
    assert.equal(manager.current('cam'), undefined);
    await manager.close();
    await manager.close();
  });
});

describe('RecordingManager quotas (simulated camerad)', () => {
  test('one recording per wallet across cameras (409 busy), not for the operator; a wallet at its byte quota cannot start', async () => {
    const { store, database } = open();
    const quota = new CaptureQuota({
      store,
      photosPerHour: 10,
      walletBytes: 5000,
      walletBytesSetting: 'outputs.quotas.walletBudgetMib',
    });
    const cams = new Map([
      ['cam', new FakeCamera()],
      ['cam2', new FakeCamera()],
    ]);
    const manager = new RecordingManager({
      store,
      cameras: cams,
      maxDurationMs: 60_000,
      fragmentMs: FRAGMENT_MS,
      quota,
      logger: testLogger,
    });
    const a = { wallet: WALLET_A, operator: false };
    const first = await manager.start('cam', a);
    const before = dumpDatabase(database);
    await assert.rejects(
      manager.start('cam2', a),
      (e: unknown) => e instanceof CaptureError && e.code === 'busy' && /one recording per wallet/.test(e.message),
    );
    assert.equal(dumpDatabase(database), before, 'nothing stored for the refused start');
    assert.equal(cams.get('cam2')!.recordingPath, undefined);
    // The operator (here with the same wallet) may record the other camera.
    const operators = await manager.start('cam2', { wallet: WALLET_A, operator: true });
    await manager.stop('cam2');
    assert.equal(store.get(operators.id)?.status, 'complete');
    await manager.stop('cam');
    assert.equal(store.get(first.id)?.status, 'complete');

    // B already keeps 5000 bytes: no recording starts, nothing is written.
    add(store, { createdAt: Date.now(), wallet: WALLET_B }, 5000);
    const full = dumpDatabase(database);
    await assert.rejects(
      manager.start('cam', { wallet: WALLET_B, operator: false }),
      (e: unknown) => e instanceof CaptureError && e.code === 'over_quota',
    );
    assert.equal(dumpDatabase(database), full);
    assert.equal(cams.get('cam')!.recordingPath, undefined);
    await manager.close();
  });

  test('a recording stops by itself before its wallet passes its byte quota', async () => {
    const { store } = open();
    const quota = new CaptureQuota({
      store,
      photosPerHour: 10,
      walletBytes: 2000,
      walletBytesSetting: 'outputs.quotas.walletBudgetMib',
    });
    const camera = new FakeCamera();
    const manager = new RecordingManager({
      store,
      cameras: new Map([['cam', camera]]),
      maxDurationMs: 60_000,
      fragmentMs: FRAGMENT_MS,
      quota,
      logger: testLogger,
    });
    // The simulated camerad writes 500 bytes at once: at that rate the quota is near.
    const item = await manager.start('cam', { wallet: WALLET_A, operator: false });
    await waitFor(() => store.get(item.id)?.status === 'complete', 'stop at the wallet quota', 3000);
    assert.match(store.get(item.id)!.error!, /storage quota/);
    assert.equal(manager.current('cam'), undefined);
    await manager.close();
  });
});

describe('PhotoCapture (simulated camerad)', () => {
  test('stores the grabbed JPEG with its metadata; faces in frame show only the wallets the photographer may see', async () => {
    const { store } = open();
    const camera = new FakeCamera();
    const inFrame = [
      { box: [1, 2, 30, 40] as [number, number, number, number], wallet: WALLET_A },
      { box: [50, 60, 30, 40] as [number, number, number, number], wallet: WALLET_B },
      { box: [90, 60, 30, 40] as [number, number, number, number], wallet: null },
    ];
    let analysis = true;
    const photos = new PhotoCapture({
      store,
      cameras: new Map([['cam', camera]]),
      faces: () => (analysis ? inFrame : undefined),
      logger: testLogger,
    });
    const mine = await photos.capture('cam', { wallet: WALLET_A, operator: false });
    assert.equal(mine.kind, 'photo');
    assert.equal(mine.wallet, WALLET_A);
    assert.equal(mine.startedAt, 1_700_000_000_123);
    assert.equal(mine.bytes, 9);
    assert.deepEqual(mine.faces, [
      { box: [1, 2, 30, 40], wallet: WALLET_A },
      { box: [50, 60, 30, 40], wallet: null },
      { box: [90, 60, 30, 40], wallet: null },
    ]);
    assert.deepEqual(readFileSync(store.pathOf(mine)), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]));
    assert.deepEqual(store.get(mine.id), mine);
    const operators = await photos.capture('cam', { wallet: null, operator: true });
    assert.deepEqual(
      operators.faces?.map((f) => f.wallet),
      [WALLET_A, WALLET_B, null],
    );
    analysis = false;
    assert.equal((await photos.capture('cam', { wallet: WALLET_B, operator: false })).faces, null);
    camera.noSignal = true;
    await assert.rejects(
      photos.capture('cam', { wallet: WALLET_B, operator: false }),
      (e: unknown) => e instanceof CaptureError && e.code === 'no_signal',
    );
    await assert.rejects(photos.capture('nope', { wallet: WALLET_B, operator: false }), /unknown camera/);
    assert.equal(store.list({ kind: 'photo', limit: 100 }).items.length, 3);
  });
});
