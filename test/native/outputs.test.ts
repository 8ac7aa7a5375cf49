/**
 * Black-box tests of camerad's outputs besides RTP (native/PROTOCOL.md: "Stills", "Recording",
 * "RTMP", "Overlay policy"), against the real native/build/camerad: JPEG stills (kind 5) decoded
 * with sharp, fragmented MP4 recordings read back by a GStreamer demux pipeline (also after a
 * SIGKILL and a full disk), and RTMP published to a local nginx-rtmp (test/helpers/rtmpServer.ts)
 * and pulled back with rtmp2src. Only 127.0.0.1 is used.
 * Build first: cmake -S native -B native/build && cmake --build native/build -j2
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { rtmpServerMissing, startRtmpServer, type RtmpServer } from '../helpers/rtmpServer.js';
import { readBackMp4 } from '../helpers/mp4ReadBack.js';
import { pulledSize } from '../helpers/rtmpPull.js';
import {
  CAMERAD,
  type ControlClient,
  type Picture,
  type Running,
  sleep,
  startCamerad as startHarnessCamerad,
  stopCamerad,
  waitUntil,
} from './cameradHarness.js';

const W = 640;
const H = 360;
const FPS = 30;
const SIZE = [`--width=${W}`, `--height=${H}`, `--fps=${FPS}`, '--keyframe-interval=30'];

/** camerad with stats every 250 ms, after its hello. */
const startCamerad = (
  source: string,
  extra: string[] = [],
  options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Running> =>
  startHarnessCamerad(source, ['--stats-interval-ms=250', ...SIZE, ...extra], {
    tag: 'out',
    waitHello: true,
    ...options,
  });

async function stats(client: ControlClient): Promise<Record<string, unknown>> {
  const r = await client.request('stats');
  assert.equal(r.ok, true);
  return r.result!;
}

async function ok(client: ControlClient, method: string, params?: Record<string, unknown>, timeoutMs = 5000) {
  const r = await client.request(method, params, timeoutMs);
  assert.equal(r.ok, true, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
  return r.result!;
}

async function fails(
  client: ControlClient,
  method: string,
  params: Record<string, unknown> | undefined,
  code: string,
  field?: RegExp,
) {
  const r = await client.request(method, params);
  assert.equal(r.ok, false, `${method} ${JSON.stringify(params)} should fail`);
  assert.equal(r.error?.code, code, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
  if (field) assert.match(r.error!.message, field);
  return r.error!;
}

/** RGB pixels (3 bytes, rows `stride` bytes apart). */
interface Rgb {
  data: Buffer;
  width: number;
  height: number;
  stride: number;
}

const isRed = (p: Rgb, x: number, y: number): boolean => {
  const i = y * p.stride + x * 3;
  return p.data[i]! >= 170 && p.data[i + 1]! <= 90 && p.data[i + 2]! <= 90;
};

/** Share of red pixels in the rectangle [x0, x1) x [y0, y1). */
function redShare(p: Rgb, x0: number, y0: number, x1: number, y1: number): number {
  let red = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (isRed(p, x, y)) red++;
  return red / ((x1 - x0) * (y1 - y0));
}

/** A red box with a label, drawn 8 px thick at [x, y, w, h], for a minute. */
const BOX = { x: 200, y: 120, w: 160, h: 120, t: 8 };
const LABEL = 'ALICE EXAMPLE';
/** The label band above the box: (6 n + 1) s x 9 s px at scale s = 1 (360 rows), made even. */
const BAND = { x0: BOX.x, y0: BOX.y - 10, x1: BOX.x + 6 * LABEL.length + 2, y1: BOX.y };
const boxItem = {
  id: 'face-1',
  box: [BOX.x, BOX.y, BOX.w, BOX.h],
  label: LABEL,
  color: '#ff0000',
  ttl_ms: 60_000,
  thickness: BOX.t,
};
/** The middle of the box's left stroke (inside it, away from blurred edges). */
const strokeShare = (p: Rgb): number => redShare(p, BOX.x + 2, BOX.y + 20, BOX.x + BOX.t - 2, BOX.y + BOX.h - 20);
/** The label band without its outer pixel. */
const bandShare = (p: Rgb): number => redShare(p, BAND.x0 + 1, BAND.y0 + 1, BAND.x1 - 1, BAND.y1 - 1);

async function decodeJpeg(jpeg: Buffer): Promise<Rgb> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, stride: info.width * 3 };
}

/** Runs a command, resolving with its exit code and output (killed after timeoutMs). */
function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      resolve({ code, out: raw.toString('utf8') + err, raw });
    });
  });
}

/** One decoded RGB frame (number `index`, 0-based) of an MP4. */
async function decodeMp4Frame(path: string, index: number): Promise<Rgb> {
  const { raw } = await run(
    'gst-launch-1.0',
    [
      '-q',
      'filesrc',
      `location=${path}`,
      '!',
      'qtdemux',
      '!',
      'h264parse',
      '!',
      'avdec_h264',
      '!',
      'videoconvert',
      '!',
      `video/x-raw,format=RGB,width=${W},height=${H}`,
      '!',
      'fdsink',
      'fd=1',
    ],
    30_000,
  );
  const frameBytes = W * 3 * H; // 1920-byte rows: already 4-byte aligned
  assert.ok(raw.length >= (index + 1) * frameBytes, `${raw.length} bytes decoded, frame ${index} wanted`);
  return { data: raw.subarray(index * frameBytes, (index + 1) * frameBytes), width: W, height: H, stride: W * 3 };
}

const recordingEvents = (client: ControlClient, from = 0) =>
  client.notifications.slice(from).filter((n) => n.event === 'recording');
const rtmpEvents = (client: ControlClient, from = 0) =>
  client.notifications.slice(from).filter((n) => n.event === 'rtmp');

describe('url_redactor_check (unit)', () => {
  test('RTMP URL parsing and stream-key redaction', () => {
    const check = join(dirname(CAMERAD), 'url_redactor_check');
    assert.ok(existsSync(check), `${check} is built with camerad`);
    assert.match(execFileSync(check, { encoding: 'utf8' }), /all checks passed/);
  });
});

describe('stills (kind 5)', () => {
  let cam: Running | undefined;
  before(async () => {
    cam = await startCamerad('test://black');
    await cam.client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
  });
  after(async () => stopCamerad(cam));

  const stills = (from: number, variant?: number): Picture[] =>
    cam!.client.pictures.slice(from).filter((p) => p.kind === 5 && (variant === undefined || p.requestId === variant));

  test('off by default; hello reports the overlay policies; stats has the stills fields', async () => {
    const { client } = cam!;
    const hello = client.events('hello')[0]!.data;
    assert.equal(hello.overlays_private, 'names');
    assert.equal(hello.overlays_public, 'boxes');
    const s = await stats(client);
    assert.deepEqual(s.stills_fps, { clean: 0, overlays: 0 });
    assert.equal(s.stills_sent, 0);
    assert.equal(s.stills_dropped, 0);
    assert.equal(s.encoders, 1);
    assert.equal(stills(0).length, 0);
  });

  test('both variants at the rates asked, valid JPEGs of the output size; off means none arrive', async (t) => {
    const { client } = cam!;
    const from = client.pictures.length;
    assert.deepEqual(await ok(client, 'stills', { variant: 'clean', enabled: true, fps: 10 }), {
      variant: 'clean',
      enabled: true,
      fps: 10,
      quality: 80,
    });
    assert.deepEqual(await ok(client, 'stills', { variant: 'overlays', enabled: true, fps: 5, quality: 60 }), {
      variant: 'overlays',
      enabled: true,
      fps: 5,
      quality: 60,
    });
    await sleep(3200);
    const clean = stills(from, 1);
    const overlays = stills(from, 2);
    for (const [name, list, fps] of [
      ['clean', clean, 10],
      ['overlays', overlays, 5],
    ] as const) {
      const span = (list.at(-1)!.receivedAt - list[0]!.receivedAt) / 1000;
      const rate = (list.length - 1) / span;
      t.diagnostic(`${name}: ${list.length} stills, ${rate.toFixed(2)} per s`);
      assert.ok(rate >= fps * 0.75 && rate <= fps * 1.25, `${name}: ${rate.toFixed(2)} stills/s (about ${fps})`);
      for (const p of list) {
        assert.deepEqual([p.format, p.width, p.height, p.stride, p.headerLength], [2, W, H, 0, 40]);
        assert.ok(p.frame > 0 && p.captureUs > 0);
      }
      const meta = await sharp(list.at(-1)!.data).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', W, H]);
    }
    const s = await stats(client);
    assert.deepEqual(s.stills_fps, { clean: 10, overlays: 5 });
    assert.ok((s.stills_sent as number) >= clean.length + overlays.length);
    t.diagnostic(`stills_dropped ${String(s.stills_dropped)}`);

    await ok(client, 'stills', { variant: 'clean', enabled: false });
    assert.deepEqual(await ok(client, 'stills', { variant: 'overlays', enabled: false }), {
      variant: 'overlays',
      enabled: false,
      fps: 5,
      quality: 60,
    });
    await sleep(200);
    const offAt = client.pictures.length;
    await sleep(1000);
    assert.equal(stills(offAt).length, 0, 'no stills while both variants are off');
    assert.deepEqual((await stats(client)).stills_fps, { clean: 0, overlays: 0 });
  });

  test('the overlays variant shows an overlay box (flag bit 0) where the clean one does not', async () => {
    const { client } = cam!;
    assert.equal((await ok(client, 'overlays', { items: [boxItem] })).items, 1);
    const from = client.pictures.length;
    await ok(client, 'stills', { variant: 'clean', enabled: true, fps: 15 });
    await ok(client, 'stills', { variant: 'overlays', enabled: true, fps: 15 });
    await waitUntil('stills of both variants', 5000, () =>
      stills(from, 1).length >= 2 && stills(from, 2).length >= 2 ? true : undefined,
    );
    await ok(client, 'stills', { variant: 'clean', enabled: false });
    await ok(client, 'stills', { variant: 'overlays', enabled: false });
    await ok(client, 'overlays', { items: [] });
    const clean = stills(from, 1).at(-1)!;
    const withBoxes = stills(from, 2).at(-1)!;
    assert.equal(clean.flags & 1, 0, 'clean still: overlay flag off');
    assert.equal(withBoxes.flags & 1, 1, 'overlays still: overlay flag on');
    const c = await decodeJpeg(clean.data);
    const o = await decodeJpeg(withBoxes.data);
    assert.ok(strokeShare(o) > 0.9, `box stroke red in the overlays still (${strokeShare(o).toFixed(2)})`);
    assert.ok(bandShare(o) > 0.3, `label band drawn (private policy names): ${bandShare(o).toFixed(2)}`);
    assert.equal(strokeShare(c), 0, 'no box in the clean still');
  });

  test('bad stills params -> bad_request naming the field', async () => {
    const { client } = cam!;
    const bad: [Record<string, unknown> | undefined, RegExp][] = [
      [undefined, /variant/],
      [{ variant: 'both', enabled: true }, /variant/],
      [{ variant: 'clean' }, /enabled/],
      [{ variant: 'clean', enabled: 1 }, /enabled/],
      [{ variant: 'clean', enabled: true, fps: 0 }, /fps/],
      [{ variant: 'clean', enabled: true, fps: 31 }, /fps/],
      [{ variant: 'clean', enabled: true, quality: 0 }, /quality/],
      [{ variant: 'clean', enabled: true, quality: 101 }, /quality/],
      [{ variant: 'clean', enabled: true, quality: 50.5 }, /quality/],
    ];
    for (const [params, field] of bad) await fails(client, 'stills', params, 'bad_request', field);
    assert.deepEqual((await stats(client)).stills_fps, { clean: 0, overlays: 0 }, 'nothing switched on');
  });
});

describe('recording (fragmented MP4, no re-encode)', () => {
  let cam: Running | undefined;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camerad-rec-'));
  });
  afterEach(async () => {
    await stopCamerad(cam);
    cam = undefined;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('record_start / record_stop: the file reads back with the frames and duration reported; notifications', async (t) => {
    cam = await startCamerad('test://ball');
    const { client } = cam;
    await client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
    const path = join(dir, 'normal.mp4');
    const from = client.notifications.length;
    assert.deepEqual(await ok(client, 'record_start', { path, fragment_ms: 500 }), { path, fragment_ms: 500 });
    assert.ok(existsSync(path), 'the file exists once record_start answered');
    const started = await client.waitEvent('recording', 5000, (d) => d.state === 'recording', from);
    assert.equal(started.data.path, path);
    assert.equal(typeof started.data.started_us, 'number');
    assert.ok(Math.abs((started.data.started_us as number) / 1000 - Date.now()) < 3000, 'started_us is the wall clock');
    let s = await stats(client);
    assert.equal(s.recording, true);
    await sleep(3000);
    s = await stats(client);
    assert.ok((s.recording_frames as number) > 60, `recording_frames ${String(s.recording_frames)}`);
    const result = await ok(client, 'record_stop', undefined, 10_000);
    t.diagnostic(`record_stop: ${JSON.stringify(result)}`);
    assert.equal(result.path, path);
    const frames = result.frames as number;
    const durationMs = result.duration_ms as number;
    assert.ok(frames >= 80 && frames <= 120, `${frames} frames in about 3 s at 30 fps`);
    assert.equal(result.bytes, (await stat(path)).size, 'bytes = the file size');
    assert.equal(result.started_us, started.data.started_us);
    assert.ok(
      Math.abs((result.stopped_us as number) - (result.started_us as number) + 1e6 / FPS - durationMs * 1000) < 2000,
      'duration_ms = stopped - started + one frame interval',
    );
    const stopped = recordingEvents(client, from).find((n) => n.data.state === 'stopped')!;
    assert.ok(stopped, 'a stopped notification');
    assert.deepEqual(
      [stopped.data.frames, stopped.data.bytes, stopped.data.stopped_us],
      [result.frames, result.bytes, result.stopped_us],
    );
    s = await stats(client);
    assert.equal(s.recording, false);

    const back = readBackMp4(path);
    t.diagnostic(`read back: ${JSON.stringify(back)}`);
    assert.deepEqual([back.width, back.height], [W, H]);
    assert.ok(Math.abs(back.frames - frames) <= 1, `${back.frames} frames read back, ${frames} reported`);
    assert.equal(back.firstPts, 0, 'PTS rebased: the first frame is at 0');
    const backMs = (back.lastPts + 1 / FPS) * 1000;
    assert.ok(Math.abs(backMs - durationMs) < 1000, `read back ${backMs.toFixed(0)} ms, reported ${durationMs} ms`);
  });

  test('SIGKILL 6 s into a recording leaves a file that demuxes at least 4 s of frames', async (t) => {
    cam = await startCamerad('test://ball');
    const { client, proc } = cam;
    await client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
    const path = join(dir, 'killed.mp4');
    await ok(client, 'record_start', { path });
    await client.waitEvent('recording', 5000, (d) => d.state === 'recording');
    await sleep(6000);
    proc.child.kill('SIGKILL');
    const exit = await proc.waitExit();
    assert.equal(exit.signal, 'SIGKILL');
    const back = readBackMp4(path);
    t.diagnostic(`after SIGKILL: ${(await stat(path)).size} bytes, ${JSON.stringify(back)}`);
    assert.ok(back.lastPts >= 4 - 1 / FPS, `frames up to ${back.lastPts.toFixed(2)} s (>= 4 s)`);
    assert.ok(back.frames >= 4 * FPS * 0.9, `${back.frames} frames read back`);
  });

  test('busy, not_recording and bad paths', async () => {
    cam = await startCamerad('test://ball');
    const { client } = cam;
    await fails(client, 'record_stop', undefined, 'not_recording');
    await writeFile(join(dir, 'exists.mp4'), 'x');
    const bad: [Record<string, unknown> | undefined, RegExp][] = [
      [undefined, /path/],
      [{ path: 42 }, /path/],
      [{ path: 'relative.mp4' }, /path/],
      [{ path: join(dir, 'wrong.mkv') }, /path/],
      [{ path: join(dir, 'missing-folder', 'a.mp4') }, /path/],
      [{ path: join(dir, 'exists.mp4') }, /path/],
      [{ path: join(dir, 'a.mp4'), fragment_ms: 100 }, /fragment_ms/],
      [{ path: join(dir, 'a.mp4'), fragment_ms: 20_000 }, /fragment_ms/],
      [{ path: join(dir, 'a.mp4'), fragment_ms: 'x' }, /fragment_ms/],
    ];
    for (const [params, field] of bad) await fails(client, 'record_start', params, 'bad_request', field);
    assert.equal(existsSync(join(dir, 'a.mp4')), false, 'nothing created by a refused record_start');
    await ok(client, 'record_start', { path: join(dir, 'first.mp4') });
    await fails(client, 'record_start', { path: join(dir, 'second.mp4') }, 'busy');
    await ok(client, 'record_stop', undefined, 10_000);
    await fails(client, 'record_stop', undefined, 'not_recording');
    assert.equal(existsSync(join(dir, 'second.mp4')), false);
  });

  test('a full disk fails the recording alone: `failed` notification, RTP keeps flowing, a new recording works', async (t) => {
    // A 256 KiB tmpfs in camerad's own mount namespace (root), else a file size limit (EFBIG).
    const full = join(dir, 'full');
    await mkdir(full);
    const root = process.getuid?.() === 0 && existsSync('/usr/bin/unshare');
    const prefix = root
      ? ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=256k tmpfs "$1" && shift && exec "$@"', 'sh', full]
      : ['prlimit', '--fsize=262144'];
    t.diagnostic(root ? 'ENOSPC: 256 KiB tmpfs' : 'EFBIG: RLIMIT_FSIZE 256 KiB (not root)');
    cam = await startCamerad('test://snow', [], { prefix });
    const { client, rtp, proc } = cam;
    await client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
    const from = client.notifications.length;
    await ok(client, 'record_start', { path: join(full, 'big.mp4'), fragment_ms: 200 });
    const failed = await client.waitEvent('recording', 20_000, (d) => d.state === 'failed', from);
    t.diagnostic(`failed: ${JSON.stringify(failed.data)}`);
    assert.match(failed.data.error as string, root ? /space/i : /large|write/i);
    assert.ok((failed.data.frames as number) > 0);
    assert.equal((await stats(client)).recording, false);
    assert.equal(proc.child.exitCode, null, 'camerad keeps running');
    const packets = rtp.packets.length;
    await sleep(500);
    assert.ok(rtp.packets.length > packets + 10, 'RTP keeps flowing');
    // A new recording (on a disk with room) works.
    const next = join(dir, 'after-full.mp4');
    await ok(client, 'record_start', { path: next });
    await client.waitEvent('recording', 5000, (d) => d.state === 'recording' && d.path === next);
    await sleep(1000);
    const result = await ok(client, 'record_stop', undefined, 10_000);
    assert.ok((result.frames as number) > 10);
    assert.ok(readBackMp4(next).frames >= (result.frames as number) - 1);
  });
});

describe('overlay policy (names private, boxes public)', () => {
  let cam: Running | undefined;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camerad-policy-'));
  });
  afterEach(async () => {
    await stopCamerad(cam);
    cam = undefined;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('a recording runs a second encoder (stats.encoders 2, then 1) and carries boxes without labels', async (t) => {
    cam = await startCamerad('test://black');
    const { client } = cam;
    await client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
    await ok(client, 'overlays', { items: [boxItem] });
    assert.equal((await stats(client)).encoders, 1, 'one encode while nothing public runs');
    const path = join(dir, 'public.mp4');
    await ok(client, 'record_start', { path });
    await client.waitEvent('recording', 5000, (d) => d.state === 'recording');
    assert.equal((await stats(client)).encoders, 2, 'the public encoder runs while recording');
    await sleep(1500);
    // The program picture (RTP, overlay grabs) keeps its labels meanwhile.
    const grabId = client.send('grab', { format: 'rgb', overlays: true });
    const grabbed = await waitUntil('grab', 5000, () =>
      client.pictures.find((p) => p.kind === 6 && p.requestId === grabId),
    );
    await ok(client, 'record_stop', undefined, 10_000);
    assert.equal((await stats(client)).encoders, 1, 'back to one encode');
    assert.ok(bandShare(grabbed) > 0.3, `program picture has the label band (${bandShare(grabbed).toFixed(2)})`);

    const frame = await decodeMp4Frame(path, 20);
    t.diagnostic(`recording frame 20: stroke ${strokeShare(frame).toFixed(2)}, band ${bandShare(frame).toFixed(2)}`);
    assert.ok(strokeShare(frame) > 0.9, 'the box colour is in the recording');
    assert.ok(bandShare(frame) < 0.02, 'no label band in the recording (policy boxes)');
  });

  test('with equal policies RTMP and recordings tap the program encode (one encoder)', async () => {
    cam = await startCamerad('test://black', ['--overlays-public=names']);
    const { client } = cam;
    assert.equal(client.events('hello')[0]!.data.overlays_public, 'names');
    await ok(client, 'overlays', { items: [boxItem] });
    const path = join(dir, 'program.mp4');
    await ok(client, 'record_start', { path });
    await client.waitEvent('recording', 5000, (d) => d.state === 'recording');
    await sleep(1000);
    assert.equal((await stats(client)).encoders, 1);
    await ok(client, 'record_stop', undefined, 10_000);
    const frame = await decodeMp4Frame(path, 10);
    assert.ok(bandShare(frame) > 0.3, `labels in the recording (policy names): ${bandShare(frame).toFixed(2)}`);
  });

  test('bad policy flags are configuration errors naming them', async () => {
    for (const flag of ['--overlays-private=labels', '--overlays-public=']) {
      const { code, out } = await run(
        CAMERAD,
        ['--source=test://', '--rtp-port=5004', '--control=/tmp/x.sock', flag],
        10_000,
      );
      assert.equal(code, 2, out);
      assert.match(out, /configuration error: overlays-(private|public): /);
    }
  });
});

describe('RTMP (nginx-rtmp on 127.0.0.1)', () => {
  const missing = rtmpServerMissing();
  let server: RtmpServer | undefined;
  let cam: Running | undefined;
  const KEY = 'sk-Zq7v-4412-secret';
  before(async () => {
    if (missing) return;
    server = await startRtmpServer();
    // Debug logging everywhere (camerad and GStreamer's rtmp2), so that the stream key would show if it leaked.
    cam = await startCamerad('test://ball', ['--log-level=debug'], {
      env: { ...process.env, GST_DEBUG: 'rtmp*:6' },
    });
    await cam.client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
  });
  after(async () => {
    await stopCamerad(cam);
    await server?.close();
  });

  /** Everything camerad wrote: stderr, and every notification and response. */
  const allText = (): string =>
    cam!.proc.stderr + JSON.stringify(cam!.client.notifications) + JSON.stringify(cam!.client.responses);

  test(
    'publish: live, the ingest serves the stream at camerad’s output size; rtmp_stop',
    { skip: missing && `needs ${missing}` },
    async (t) => {
      const { client } = cam!;
      const from = client.notifications.length;
      assert.deepEqual(await ok(client, 'rtmp_start', { url: server!.url('live', KEY) }), { state: 'connecting' });
      const live = await client.waitEvent('rtmp', 10_000, (d) => d.state === 'live', from);
      assert.ok((live.data.bytes_sent as number) > 0);
      assert.equal(rtmpEvents(client, from)[0]!.data.state, 'connecting', 'connecting comes first');
      const s = await stats(client);
      assert.equal(s.rtmp_state, 'live');
      assert.equal(s.encoders, 2, 'public encoder (boxes) while RTMP runs');

      assert.deepEqual(await pulledSize(server!.url('live', KEY)), { width: W, height: H }, 'decoded from the ingest');

      const stopped = await ok(client, 'rtmp_stop');
      t.diagnostic(`rtmp_stop: ${JSON.stringify(stopped)}`);
      assert.ok((stopped.bytes_sent as number) > 10_000);
      await client.waitEvent('rtmp', 3000, (d) => d.state === 'stopped', from);
      const after = await stats(client);
      assert.equal(after.rtmp_state, 'off');
      assert.equal(after.encoders, 1);
      assert.ok((after.rtmp_bytes as number) >= (stopped.bytes_sent as number));
      await fails(client, 'rtmp_stop', undefined, 'not_streaming');
    },
  );

  test(
    'ingest outage: `failed` with a redacted error, RTP undisturbed; rtmp_start again after the restart works',
    { skip: missing && `needs ${missing}` },
    async () => {
      const { client, rtp } = cam!;
      const from = client.notifications.length;
      await ok(client, 'rtmp_start', { url: server!.url('live', KEY) });
      await client.waitEvent('rtmp', 10_000, (d) => d.state === 'live', from);
      await server!.stop();
      const failed = await client.waitEvent('rtmp', 10_000, (d) => d.state === 'failed', from);
      assert.ok(String(failed.data.error).length > 0, 'an error text');
      assert.ok((failed.data.bytes_sent as number) > 0);
      assert.equal((await stats(client)).rtmp_state, 'off');
      const packets = rtp.packets.length;
      await sleep(500);
      assert.ok(rtp.packets.length > packets + 10, 'RTP keeps flowing');

      await server!.start();
      const again = client.notifications.length;
      await ok(client, 'rtmp_start', { url: server!.url('live', KEY) });
      await client.waitEvent('rtmp', 10_000, (d) => d.state === 'live', again);
      await ok(client, 'rtmp_stop');
      const text = allText();
      assert.ok(text.includes(`/live/***`), 'the redacted URL is what camerad writes');
      assert.equal(text.includes(KEY), false, 'the stream key never appears in stderr, notifications or responses');
    },
  );

  test('a closed port: `failed` naming the refused connection', { skip: missing && `needs ${missing}` }, async () => {
    const { client } = cam!;
    const port = server!.port;
    await server!.stop();
    try {
      const from = client.notifications.length;
      await ok(client, 'rtmp_start', { url: `rtmp://127.0.0.1:${port}/live/${KEY}` });
      const failed = await client.waitEvent('rtmp', 10_000, (d) => d.state === 'failed', from);
      assert.match(String(failed.data.error), /refused|connect/i);
      assert.equal(failed.data.bytes_sent, 0);
      assert.equal(String(failed.data.error).includes(KEY), false);
    } finally {
      await server!.start();
    }
  });

  test('busy, not_streaming, bad url', { skip: missing && `needs ${missing}` }, async () => {
    const { client } = cam!;
    await fails(client, 'rtmp_stop', undefined, 'not_streaming');
    for (const url of [
      undefined,
      42,
      'http://127.0.0.1/live/k',
      'rtmp://127.0.0.1/live',
      'rtmp://127.0.0.1/live/',
      'rtmp:///live/k',
    ]) {
      const error = await fails(client, 'rtmp_start', url === undefined ? {} : { url }, 'bad_request', /url/);
      assert.equal(error.message.includes('/live/k'), false, 'the URL is not echoed');
    }
    await ok(client, 'rtmp_start', { url: server!.url('live', KEY) });
    await fails(client, 'rtmp_start', { url: server!.url('live', KEY) }, 'busy');
    await ok(client, 'rtmp_stop');
    assert.equal(allText().includes(KEY), false);
  });
});
