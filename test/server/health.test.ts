import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { pollUntil } from '../helpers/browser.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { PhotoCamera } from '../helpers/photoCamera.js';
import { startTestServer } from '../helpers/testServer.js';

const TOKEN = 'health-test-viewer-token-0123456789abcdef';
const IS_ROOT = process.getuid?.() === 0;

interface Health {
  status: 'ok' | 'failing';
  failing: string[];
  cameras?: { id: string; ok: boolean; detail: string | null; image_age_s?: number | null }[];
  database?: { ok: boolean; detail: string | null };
  disk?: { ok: boolean; free_bytes: number; detail: string | null };
}

type Ctx = Awaited<ReturnType<typeof startTestServer>>;

/**
 * The real server and camerad with `dataDir` as the data folder, a health threshold of 16 MiB free
 * and 3 s of image age, the test:// camera "cam" (320×240) and `cameras` beside it.
 */
async function startHealthServer(dataDir: string, cameras: Record<string, unknown>[] = []): Promise<Ctx> {
  return startTestServer({
    ECS_SERVER__TOKEN: TOKEN,
    ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
    ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
    ECS_CAMERAS: JSON.stringify([
      { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ...cameras,
    ]),
    ECS_STORAGE__DATA_DIR: dataDir,
    ECS_HEALTH__MIN_FREE_BYTES: String(16 * 1024 * 1024),
    ECS_HEALTH__MAX_IMAGE_AGE_S: '3',
  });
}

/** `GET /api/health` of `ctx` with `token` (none: anonymous). */
async function health(ctx: Ctx, token?: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${ctx.url}/api/health`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Health };
}

/** Polls `ctx`'s health (as a viewer) until its HTTP status is `status`. */
function until(ctx: Ctx, status: number, what: string): Promise<{ status: number; body: Health }> {
  return pollUntil(
    () => health(ctx, TOKEN),
    (h) => h.status === status,
    20_000,
    what,
  );
}

/**
 * `GET /api/health` tells the truth, against the real server and camerad: each failure the box
 * can meet turns it to 503 naming the cause, and it is 200 again once fixed — a camerad that
 * stops (SIGSTOP), a read-only database, a stale host-capture folder (a dir:// camera whose
 * images stop), and (next describe) a full disk. Anonymous callers learn only the names of the
 * failing checks; a viewer gets the details.
 */
describe('GET /api/health', { timeout: 180_000 }, () => {
  const photos = new PhotoCamera(320, 240);
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-health-'));
  let ctx: Ctx;

  before(async () => {
    photos.showRepeatedly(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } } })
        .jpeg()
        .toBuffer(),
      500,
    );
    ctx = await startHealthServer(dataDir, [{ ...photos.camera('hc'), fps: 5 }]);
  });

  after(async () => {
    await ctx?.close();
    photos.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is 200 with every check passing; anonymous callers get the summary only', async () => {
    const ok = await until(ctx, 200, 'the box healthy');
    assert.equal(ok.body.status, 'ok');
    assert.deepEqual(ok.body.failing, []);
    assert.deepEqual(
      ok.body.cameras!.map((c) => [c.id, c.ok]),
      [
        ['cam', true],
        ['hc', true],
      ],
    );
    const hc = ok.body.cameras!.find((c) => c.id === 'hc')!;
    assert.ok(typeof hc.image_age_s === 'number' && hc.image_age_s < 3, `image age ${hc.image_age_s}`);
    assert.equal(ok.body.database!.ok, true);
    assert.ok(ok.body.disk!.free_bytes > 16 * 1024 * 1024);
    const anonymous = await health(ctx);
    assert.equal(anonymous.status, 200);
    assert.deepEqual(Object.keys(anonymous.body).sort(), ['failing', 'status', 'uptime_s', 'version']);
  });

  it('a stopped camerad → 503 naming the camera; 200 once it runs again', async () => {
    const pid = ctx.server.cameras.get('cam')!.status().pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const failing = await until(ctx, 503, 'camerad’s silence noticed');
      assert.deepEqual(failing.body.failing, ['camera:cam']);
      assert.match(failing.body.cameras!.find((c) => c.id === 'cam')!.detail!, /no video from camerad/);
      const anonymous = await health(ctx);
      assert.equal(anonymous.status, 503);
      assert.deepEqual(anonymous.body.failing, ['camera:cam']);
      assert.equal(anonymous.body.cameras, undefined, 'no details without a token');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await until(ctx, 200, 'camerad running again');
  });

  it('a read-only database → 503 naming the database; 200 once writable', async () => {
    // Root ignores file permissions, so the server's own handle is made read-only (SQLite's
    // query_only pragma): the same SQLITE_READONLY a read-only file or file system gives.
    const db = ctx.server.identity.database.db;
    db.pragma('query_only = ON');
    try {
      const failing = await until(ctx, 503, 'the read-only database noticed');
      assert.deepEqual(failing.body.failing, ['database']);
      assert.match(failing.body.database!.detail!, /not writable: .*readonly/i);
    } finally {
      db.pragma('query_only = OFF');
    }
    await until(ctx, 200, 'the database writable again');
  });

  it('a stale host-capture folder → 503 naming the camera and the image age; 200 once images arrive', async () => {
    photos.stopRepeating();
    const failing = await until(ctx, 503, 'the stale folder noticed');
    assert.deepEqual(failing.body.failing, ['camera:hc']);
    assert.match(failing.body.cameras!.find((c) => c.id === 'hc')!.detail!, /newest image is \d+ s old/);
    mkdirSync(photos.dir, { recursive: true });
    photos.showRepeatedly(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 20, g: 40, b: 160 } } })
        .jpeg()
        .toBuffer(),
      500,
    );
    await until(ctx, 200, 'images again');
  });
});

/** A full disk: a small tmpfs (root only: mount) as the data folder, filled by the test. */
describe(
  'GET /api/health on a full disk',
  { timeout: 180_000, skip: IS_ROOT ? false : 'not root: cannot mount a small tmpfs as the data folder' },
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ecs-health-disk-'));
    let mounted = false;
    let ctx: Ctx;

    before(async () => {
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', dataDir], {
        encoding: 'utf8',
      });
      assert.equal(mount.status, 0, mount.stderr);
      mounted = true;
      ctx = await startHealthServer(dataDir);
      // Healthy first (camerad's video flowing), so that the disk is the one failing check.
      await until(ctx, 200, 'the box healthy');
    });

    after(async () => {
      await ctx?.close();
      if (mounted) spawnSync('umount', [dataDir]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a full disk → 503 naming the disk; 200 once space is freed', async () => {
      const filler = join(dataDir, 'filler.bin');
      writeFileSync(filler, Buffer.alloc(40 * 1024 * 1024));
      try {
        const failing = await until(ctx, 503, 'the full disk noticed');
        assert.deepEqual(failing.body.failing, ['disk']);
        assert.match(failing.body.disk!.detail!, /MiB free under .*less than 16 MiB/);
      } finally {
        rmSync(filler, { force: true });
      }
      await until(ctx, 200, 'space freed');
    });
  },
);
