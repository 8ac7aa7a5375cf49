/**
 * Black-box tests of camerad's analysis frames (kind 4), frame grabs (kind 6) and overlay boxes
 * (native/PROTOCOL.md: "Analysis frames", "Grab", "Overlays", "Picture messages"), against the
 * real native/build/camerad, plus the same features through media/camera's Camera.
 * Build first: cmake -S native -B native/build && cmake --build native/build -j2
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { CameradError } from '../../media/core/errors.js';
import { cameradSchema } from '../../media/camerad/cameradConfig.js';
import { Camera } from '../../media/camera/Camera.js';
import type { AnalysisFrame } from '../../media/camera/CameraTypes.js';
import type { Sfu } from '../../media/sfu/SfuTypes.js';
import { decodeProbe } from '../../web/src/probeCodec.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { testLogger } from '../helpers/logger.js';
import {
  CAMERAD,
  CameradProcess,
  ControlClient,
  type Picture,
  requireCamerad,
  type Running,
  sleep,
  startCamerad as startHarnessCamerad,
  stopCamerad,
  uniqueSocketPath,
  waitUntil,
} from './cameradHarness.js';

const HD = ['--width=1280', '--height=720', '--fps=30'];
const W = 1280;
const H = 720;

/** camerad with stats every 250 ms, after its hello. */
const startCamerad = (source: string, extra: string[] = []): Promise<Running> =>
  startHarnessCamerad(source, ['--stats-interval-ms=250', ...extra], { tag: 'pic', waitHello: true });

/** Acknowledges every analysis frame as soon as it arrives. */
function autoAck(client: ControlClient): void {
  client.onPicture = (p) => {
    if (p.kind === 4) client.send('analysis_ack', { frame: p.frame });
  };
}

const analysisFrames = (client: ControlClient, from = 0): Picture[] =>
  client.pictures.slice(from).filter((p) => p.kind === 4);

async function stats(client: ControlClient): Promise<Record<string, unknown>> {
  const r = await client.request('stats');
  assert.equal(r.ok, true);
  return r.result!;
}

/** Sends `grab` and returns the response and its kind-6 picture (checked to come first). */
async function grab(
  client: ControlClient,
  params: Record<string, unknown>,
): Promise<{ result: Record<string, unknown>; picture: Picture }> {
  const id = client.send('grab', params);
  const response = await waitUntil('grab response', 5000, () => client.responses.find((r) => r.id === id));
  assert.equal(response.ok, true, JSON.stringify(response.error));
  const pictureAt = client.arrivals.findIndex((a) => a.kind === 6 && a.id === id);
  const responseAt = client.arrivals.findIndex((a) => a.kind === 2 && a.id === id);
  assert.ok(pictureAt >= 0 && pictureAt < responseAt, 'the kind-6 picture arrives before its response');
  return { result: response.result!, picture: client.pictures.find((p) => p.kind === 6 && p.requestId === id)! };
}

/** RGB bytes of pixel (x, y). */
function px(p: { data: Buffer; stride: number }, x: number, y: number): [number, number, number] {
  const i = y * p.stride + x * 3;
  return [p.data[i]!, p.data[i + 1]!, p.data[i + 2]!];
}

const isRed = ([r, g, b]: [number, number, number]): boolean => r >= 200 && g <= 60 && b <= 60;

/** Pixels along the centre lines of the strokes of a box [x, y, w, h] drawn `t` px thick. */
function edgePixels(box: [number, number, number, number], t: number): [number, number][] {
  const [x, y, w, h] = box;
  const points: [number, number][] = [];
  for (let i = x; i < x + w; i++) points.push([i, y + t / 2], [i, y + h - t / 2 - 1]);
  for (let j = y + t; j < y + h - t; j++) points.push([x + t / 2, j], [x + w - t / 2 - 1, j]);
  return points;
}

function redShare(p: Picture | { data: Buffer; stride: number }, points: [number, number][]): number {
  return points.filter(([x, y]) => isRed(px(p, x, y))).length / points.length;
}

/** Size in the SOF0..SOF2 segment of a JPEG, and whether it starts with SOI and ends with EOI. */
function jpegInfo(data: Buffer): { soi: boolean; eoi: boolean; width?: number; height?: number } {
  const info: { soi: boolean; eoi: boolean; width?: number; height?: number } = {
    soi: data[0] === 0xff && data[1] === 0xd8,
    eoi: data.at(-2) === 0xff && data.at(-1) === 0xd9,
  };
  let i = 2;
  while (i + 4 <= data.length && data[i] === 0xff) {
    const marker = data[i + 1]!;
    const length = data.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      info.height = data.readUInt16BE(i + 5);
      info.width = data.readUInt16BE(i + 7);
      break;
    }
    i += 2 + length;
  }
  return info;
}

describe('camerad picture helpers', () => {
  test('picture_check unit check: header layout, analysis size, RGB conversion, overlays, JPEG', (t) => {
    const check = join(dirname(CAMERAD), 'picture_check');
    assert.ok(existsSync(check), `${check} is built with camerad`);
    const out = execFileSync(check, { encoding: 'utf8' });
    assert.match(out, /all checks passed/);
    for (const line of out.split('\n').filter((l) => l.startsWith('timing'))) t.diagnostic(line);
  });
});

describe('analysis frames (kind 4)', () => {
  let cam: Running | undefined;
  afterEach(async () => {
    await stopCamerad(cam);
    cam = undefined;
  });

  test('--analysis-fps 5 on a 1280x720 test://green: about 5 frames/s of 640x360 RGB, rising numbers, fresh times', async (t) => {
    cam = await startCamerad('test://green', [...HD, '--analysis-fps=5']);
    const { client } = cam;
    autoAck(client);
    const hello = client.events('hello')[0]!.data;
    assert.equal(hello.analysis_fps, 5);
    assert.equal(hello.analysis_width, 640);
    assert.equal(hello.analysis_height, 360);

    await waitUntil('first analysis frame', 10_000, () => (analysisFrames(client).length > 0 ? true : undefined));
    const from = client.pictures.length;
    await sleep(3000);
    const frames = analysisFrames(client, from);
    const span = (frames.at(-1)!.receivedAt - frames[0]!.receivedAt) / 1000;
    const rate = (frames.length - 1) / span;
    t.diagnostic(`${frames.length} frames in ${span.toFixed(2)} s: ${rate.toFixed(2)} fps`);
    assert.ok(rate >= 3.5 && rate <= 6, `rate ${rate.toFixed(2)} fps (about 5)`);

    for (const [i, f] of frames.entries()) {
      assert.equal(f.version, 1);
      assert.equal(f.headerLength, 40);
      assert.equal(f.format, 1, 'RGB24');
      assert.equal(f.flags, 0, 'clean picture: no overlays, no probe, not NO SIGNAL');
      assert.equal(f.requestId, 0);
      assert.deepEqual([f.width, f.height, f.stride, f.data.length], [640, 360, 1920, 1920 * 360]);
      const age = f.receivedAt - f.captureUs / 1000;
      assert.ok(age >= -5 && age <= 1000, `frame ${f.frame}: captured ${age.toFixed(1)} ms before it was read`);
      if (i > 0) {
        assert.ok(f.frame > frames[i - 1]!.frame, `frame numbers rise (${frames[i - 1]!.frame} -> ${f.frame})`);
        assert.ok(f.captureUs > frames[i - 1]!.captureUs, 'capture times rise');
      }
    }
    // About 30 fps source / 5 fps analysis: about 6 source frames apart.
    const steps = frames.slice(1).map((f, i) => f.frame - frames[i]!.frame);
    const meanStep = steps.reduce((a, b) => a + b, 0) / steps.length;
    assert.ok(meanStep >= 4 && meanStep <= 9, `mean frame-number step ${meanStep.toFixed(1)} (about 6)`);
    // Solid green (0, 255, 0) through I420 and back.
    const [r, g, b] = px(frames.at(-1)!, 320, 180);
    assert.ok(r <= 20 && g >= 235 && b <= 20, `green pixel is (${r}, ${g}, ${b})`);

    const s = await stats(client);
    assert.equal(s.analysis_fps, 5);
    assert.ok((s.analysis_frames as number) >= frames.length);
  });

  test('one frame in flight: without acks nothing more comes and drops count up; an ack releases the next', async () => {
    cam = await startCamerad('test://', ['--width=640', '--height=360', '--fps=30', '--analysis-fps=10']);
    const { client } = cam;
    const first = await waitUntil('first analysis frame', 10_000, () => analysisFrames(client)[0]);
    await sleep(2000);
    assert.equal(analysisFrames(client).length, 1, 'exactly one frame sent while unacknowledged');
    let s = await stats(client);
    const slots = (Date.now() - first.receivedAt) / 100; // analysis slots passed at 10 fps
    assert.equal(s.analysis_in_flight, first.frame);
    const dropped = s.analysis_dropped as number;
    assert.ok(
      dropped >= slots * 0.6 && dropped <= slots + 2,
      `${dropped} dropped in ${slots.toFixed(1)} slots (one per slot expected)`,
    );
    await sleep(500);
    s = await stats(client);
    assert.ok((s.analysis_dropped as number) > dropped, 'drops keep counting');

    const ackAt = Date.now();
    const acked = await client.request('analysis_ack', { frame: first.frame });
    assert.deepEqual(acked.result, { acked: true });
    const second = await waitUntil('next analysis frame', 2000, () => analysisFrames(client)[1]);
    // Its slot has long passed: it goes with the next source frame, not a whole interval later.
    assert.ok(second.receivedAt - ackAt < 500, `next frame ${second.receivedAt - ackAt} ms after the ack`);
    assert.ok(second.frame > first.frame);
    // A stale ack (already acknowledged, or never sent) changes nothing.
    assert.deepEqual((await client.request('analysis_ack', { frame: first.frame })).result, { acked: false });
    assert.deepEqual((await client.request('analysis_ack', { frame: second.frame + 1000 })).result, {
      acked: false,
    });
    await sleep(400);
    assert.equal(analysisFrames(client).length, 2, 'still one in flight');
  });

  test('a new client is not blocked by the frame the previous one never acknowledged', async () => {
    cam = await startCamerad('test://', ['--width=640', '--height=360', '--analysis-fps=10']);
    await waitUntil('first analysis frame', 10_000, () => analysisFrames(cam!.client)[0]);
    cam.client.close(); // one client at a time: it leaves without acknowledging
    const next = await ControlClient.connect(cam.socketPath);
    try {
      await next.waitEvent('hello', 3000);
      const f = await waitUntil('a frame on the new client', 3000, () => analysisFrames(next)[0]);
      assert.ok(f.frame > 0);
    } finally {
      next.close();
    }
  });

  test('control method analysis: on, rate, off at run time; hello and stats follow; bad params', async () => {
    cam = await startCamerad('test://', ['--width=640', '--height=480']);
    let { client } = cam;
    autoAck(client);
    assert.equal(client.events('hello')[0]!.data.analysis_fps, 0, 'off by default');
    await sleep(600);
    assert.equal(analysisFrames(client).length, 0, 'no analysis frames while off');

    const on = await client.request('analysis', { enabled: true, fps: 8 });
    assert.deepEqual(on.result, { enabled: true, fps: 8, width: 640, height: 480 });
    await waitUntil('analysis frames', 5000, () => (analysisFrames(client).length >= 5 ? true : undefined));
    assert.equal((await stats(client)).analysis_fps, 8);
    client.close();
    const again = await ControlClient.connect(cam.socketPath);
    assert.equal((await again.waitEvent('hello', 3000)).data.analysis_fps, 8, 'a new client’s hello says so');
    client = cam.client = again;
    autoAck(client);

    // enabled without fps keeps the last rate.
    assert.equal((await client.request('analysis', { enabled: false })).result!.fps, 8);
    const offAt = client.pictures.length;
    await sleep(700);
    assert.ok(analysisFrames(client, offAt).length <= 1, 'at most one frame already on its way after off');
    assert.equal((await stats(client)).analysis_fps, 0);
    assert.deepEqual((await client.request('analysis', { enabled: true })).result, {
      enabled: true,
      fps: 8,
      width: 640,
      height: 480,
    });

    const bad: [Record<string, unknown> | undefined, RegExp][] = [
      [undefined, /enabled/],
      [{}, /enabled/],
      [{ enabled: 'yes' }, /enabled/],
      [{ enabled: true, fps: 0 }, /fps/],
      [{ enabled: true, fps: 61 }, /fps/],
      [{ enabled: true, fps: '5' }, /fps/],
    ];
    for (const [params, field] of bad) {
      const r = await client.request('analysis', params);
      assert.equal(r.error?.code, 'bad_request', JSON.stringify(params));
      assert.match(r.error!.message, field);
    }
    for (const params of [undefined, {}, { frame: 0 }, { frame: -1 }, { frame: 1.5 }, { frame: '3' }]) {
      const r = await client.request('analysis_ack', params);
      assert.equal(r.error?.code, 'bad_request', JSON.stringify(params));
      assert.match(r.error!.message, /frame/);
    }
  });

  test('bad analysis flags are configuration errors naming them', async () => {
    for (const [flag, setting] of [
      ['--analysis-fps=61', 'analysis-fps'],
      ['--analysis-width=641', 'analysis-width'],
      ['--analysis-height=8', 'analysis-height'],
    ] as const) {
      const p = new CameradProcess([
        '--source=test://',
        '--rtp-port=5004',
        `--control=${uniqueSocketPath('cfg')}`,
        flag,
      ]);
      const exit = await p.waitExit();
      assert.equal(exit.code, 2, p.stderr);
      assert.match(p.stderr, new RegExp(`^camerad: configuration error: ${setting}: `));
    }
  });
});

describe('grab (kind 6)', () => {
  let cam: Running | undefined;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camerad-grab-'));
    cam = await startCamerad('test://smpte', HD);
    await cam.client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
  });
  after(async () => {
    await stopCamerad(cam);
    await rm(dir, { recursive: true, force: true });
  });

  test('rgb: the next full-size frame, matched to the request id, described by the response', async () => {
    const { client } = cam!;
    const sentAt = Date.now();
    const { result, picture } = await grab(client, { format: 'rgb' });
    assert.deepEqual(
      [picture.kind, picture.format, picture.width, picture.height, picture.stride],
      [6, 1, W, H, W * 3],
    );
    assert.equal(picture.data.length, W * 3 * H);
    assert.equal(result.format, 'rgb');
    assert.equal(result.width, W);
    assert.equal(result.height, H);
    assert.equal(result.bytes, W * 3 * H);
    assert.equal(result.frame, picture.frame);
    assert.equal(result.capture_time_us, picture.captureUs);
    assert.equal(result.no_signal, false);
    assert.equal(result.overlays, false);
    assert.ok(picture.frame > 0);
    const age = sentAt - picture.captureUs / 1000;
    assert.ok(age > -1000 && age < 500, `captured ${age.toFixed(0)} ms before the request (the next frame)`);
    // smpte bars: the top-left bar is (light) grey-white, the third one yellow... check two colours.
    const [r1, g1, b1] = px(picture, 80, 100);
    assert.ok(r1 > 150 && g1 > 150 && b1 > 150, `first bar is light (${r1}, ${g1}, ${b1})`);
    assert.equal(((await stats(client)).grabs as number) >= 1, true);
  });

  test('jpeg: SOI, SOF with the output size, EOI; it decodes (jpegdec)', async () => {
    const { client } = cam!;
    const { result, picture } = await grab(client, { format: 'jpeg', quality: 90 });
    assert.equal(picture.format, 2);
    assert.equal(picture.stride, 0);
    assert.equal(result.format, 'jpeg');
    assert.equal(result.bytes, picture.data.length);
    const info = jpegInfo(picture.data);
    assert.deepEqual(info, { soi: true, eoi: true, width: W, height: H });
    const file = join(dir, 'grab.jpg');
    const raw = join(dir, 'grab.rgb');
    await writeFile(file, picture.data);
    execFileSync('gst-launch-1.0', [
      '-q',
      'filesrc',
      `location=${file}`,
      '!',
      'jpegdec',
      '!',
      'videoconvert',
      '!',
      'video/x-raw,format=RGB',
      '!',
      'filesink',
      `location=${raw}`,
    ]);
    assert.equal((await readFile(raw)).length, W * H * 3, 'decodes to a full-size picture');
  });

  test('bad params -> bad_request naming the field; more than 4 at once -> busy', async () => {
    const { client } = cam!;
    const bad: [Record<string, unknown> | undefined, RegExp][] = [
      [undefined, /format/],
      [{ format: 'png' }, /format/],
      [{ format: 'jpeg', overlays: 'yes' }, /overlays/],
      [{ format: 'jpeg', quality: 0 }, /quality/],
      [{ format: 'jpeg', quality: 101 }, /quality/],
    ];
    for (const [params, field] of bad) {
      const r = await client.request('grab', params);
      assert.equal(r.error?.code, 'bad_request', JSON.stringify(params));
      assert.match(r.error!.message, field);
    }
    // Six requests in one write are handled before the next frame: four wait, two are busy.
    const ids = Array.from({ length: 6 }, () => client.send('grab', { format: 'jpeg' }));
    const responses = await waitUntil('six grab responses', 10_000, () => {
      const got = ids.map((id) => client.responses.find((r) => r.id === id));
      return got.every(Boolean) ? got.map((r) => r!) : undefined;
    });
    const busy = responses.filter((r) => r.error?.code === 'busy').length;
    assert.ok(
      busy >= 1 && responses.filter((r) => r.ok).length >= 4,
      responses.map((r) => r.error?.code ?? 'ok').join(),
    );
    assert.equal((await client.request('ping')).ok, true);
  });
});

describe('overlays', () => {
  let cam: Running | undefined;
  before(async () => {
    cam = await startCamerad('test://black', [...HD, '--latency-probe']);
    await cam.client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
  });
  after(async () => stopCamerad(cam));

  const BOX: [number, number, number, number] = [200, 120, 400, 240];

  test('a red box on black: its edges are red in the program grab, not in the clean one; label drawn; probe strip intact', async (t) => {
    const { client } = cam!;
    const set = await client.request('overlays', {
      items: [
        { id: 'face-1', box: BOX, color: '#ff0000', ttl_ms: 5000, thickness: 8, label: 'Alice 0.93' },
        // Over the probe strip (bottom-left): the strip is drawn after the overlays.
        { box: [0, 660, 700, 60], color: '#00ff00', ttl_ms: 5000 },
      ],
      replace: true,
    });
    assert.deepEqual(set.result, { items: 2 });
    await sleep(100); // the next frames carry it
    const program = await grab(client, { format: 'rgb', overlays: true });
    const clean = await grab(client, { format: 'rgb', overlays: false });
    const edges = edgePixels(BOX, 8);
    const programRed = redShare(program.picture, edges);
    const cleanRed = redShare(clean.picture, edges);
    t.diagnostic(
      `box-edge pixels red: program ${(programRed * 100).toFixed(1)} %, clean ${(cleanRed * 100).toFixed(1)} %`,
    );
    assert.ok(programRed >= 0.8, `program grab: ${(programRed * 100).toFixed(1)} % of the edge pixels are red`);
    assert.ok(cleanRed < 0.2, `clean grab: ${(cleanRed * 100).toFixed(1)} % red`);
    assert.equal(program.result.overlays, true);
    assert.equal(program.result.latency_probe, true);
    assert.equal(clean.result.overlays, false);
    assert.equal(clean.result.latency_probe, false);
    assert.ok(!isRed(px(program.picture, 400, 240)), 'the inside of the box is not filled');

    // The label sits on a red background just above the box, with white text.
    let white = 0;
    let red = 0;
    for (let y = BOX[1] - 18; y < BOX[1]; y++) {
      for (let x = BOX[0]; x < BOX[0] + 130; x++) {
        const p = px(program.picture, x, y);
        if (p[0] > 200 && p[1] > 200 && p[2] > 200) white += 1;
        else if (isRed(p)) red += 1;
      }
    }
    assert.ok(white > 100 && red > 500, `label: ${white} white text px on ${red} red px`);

    // The probe strip decodes to the frame's capture time despite the green box under it.
    const probeMs = decodeProbe(program.picture.data, W, H, { channels: 3, stride: program.picture.stride });
    assert.equal(probeMs, Math.floor(program.picture.captureUs / 1000) % 2 ** 44, 'probe strip intact');

    // The JPEG of the program picture shows the box too.
    const jpeg = await grab(client, { format: 'jpeg', overlays: true, quality: 95 });
    assert.equal(jpeg.result.overlays, true);
    assert.equal((await stats(client)).overlay_items, 2);
  });

  test('items expire after ttl_ms; replace: false merges by id', async () => {
    const { client } = cam!;
    await client.request('overlays', { items: [{ id: 'a', box: BOX, color: '#ff0000', ttl_ms: 400, thickness: 8 }] });
    const merged = await client.request('overlays', {
      items: [{ id: 'b', box: [700, 100, 100, 100], color: '#0000ff', ttl_ms: 3000 }],
      replace: false,
    });
    assert.deepEqual(merged.result, { items: 2 });
    const before = await grab(client, { format: 'rgb', overlays: true });
    assert.ok(redShare(before.picture, edgePixels(BOX, 8)) >= 0.8, 'drawn before its TTL');
    await sleep(700);
    const later = await grab(client, { format: 'rgb', overlays: true });
    assert.ok(redShare(later.picture, edgePixels(BOX, 8)) < 0.2, 'gone after its TTL');
    const [, , blue] = px(later.picture, 700 + 2, 150);
    assert.ok(blue > 200, 'the other item is still drawn');
    assert.equal((await stats(client)).overlay_items, 1);
    assert.deepEqual((await client.request('overlays', { items: [] })).result, { items: 0 });
  });

  test('bad params -> bad_request naming the field', async () => {
    const { client } = cam!;
    const ok = { box: [0, 0, 10, 10], color: '#ff0000', ttl_ms: 100 };
    const cases: [Record<string, unknown> | undefined, string][] = [
      [undefined, 'items'],
      [{ items: 'x' }, 'items'],
      [{ items: Array.from({ length: 65 }, () => ok) }, 'items'],
      [{ items: [ok], replace: 1 }, 'replace'],
      [{ items: [ok, 5] }, 'items[1]'],
      [{ items: [{ ...ok, box: [0, 0, 10] }] }, 'items[0].box'],
      [{ items: [{ ...ok, box: [0, 0, -1, 10] }] }, 'items[0].box'],
      [{ items: [{ ...ok, box: [0, 'a', 1, 10] }] }, 'items[0].box'],
      [{ items: [{ ...ok, color: '#f00' }] }, 'items[0].color'],
      [{ items: [{ ...ok, color: undefined }] }, 'items[0].color'],
      [{ items: [{ ...ok, ttl_ms: 0 }] }, 'items[0].ttl_ms'],
      [{ items: [{ ...ok, ttl_ms: 600_001 }] }, 'items[0].ttl_ms'],
      [{ items: [ok, { ...ok, thickness: 0 }] }, 'items[1].thickness'],
      [{ items: [{ ...ok, label: 'x'.repeat(65) }] }, 'items[0].label'],
      [{ items: [{ ...ok, label: null }] }, 'items[0].label'],
      [{ items: [{ ...ok, id: 7 }] }, 'items[0].id'],
      [{ items: [{ ...ok, shape: 'circle' }] }, 'items[0].shape'],
    ];
    for (const [params, field] of cases) {
      const r = await client.request('overlays', params);
      assert.equal(r.error?.code, 'bad_request', JSON.stringify(params));
      assert.ok(r.error!.message.startsWith(`${field}:`), `"${r.error!.message}" names ${field}`);
    }
    assert.equal((await stats(client)).overlay_items, 0, 'a rejected request changes nothing');
  });

  test('layers: replacing one layer leaves the others drawn; a request without layer is the "default" layer', async () => {
    const { client } = cam!;
    const A: [number, number, number, number] = [100, 100, 200, 200];
    const B: [number, number, number, number] = [700, 100, 200, 200];
    const C: [number, number, number, number] = [400, 400, 200, 150];
    const faces = await client.request('overlays', {
      layer: 'faces',
      items: [{ box: A, color: '#ff0000', ttl_ms: 5000, thickness: 8 }],
    });
    assert.deepEqual(faces.result, { items: 1, layer: 'faces', layer_items: 1 });
    // An old-style request (no layer): replaces the "default" layer only.
    const old = await client.request('overlays', {
      items: [{ box: C, color: '#ff0000', ttl_ms: 5000, thickness: 8 }],
      replace: true,
    });
    assert.deepEqual(old.result, { items: 2 }, 'the result of protocol 1: no layer fields');
    const hands = await client.request('overlays', {
      layer: 'hands',
      items: [{ box: B, color: '#ff0000', ttl_ms: 5000, thickness: 8 }],
    });
    assert.equal(hands.result!.items, 3);
    await sleep(100);
    const all = await grab(client, { format: 'rgb', overlays: true });
    for (const [name, box] of [
      ['faces', A],
      ['hands', B],
      ['default', C],
    ] as const) {
      assert.ok(redShare(all.picture, edgePixels(box, 8)) >= 0.8, `${name} box drawn`);
    }
    assert.deepEqual((await stats(client)).overlay_layers, { faces: 1, default: 1, hands: 1 });

    // The hands producer replaces its layer with nothing: faces and default stay.
    assert.deepEqual((await client.request('overlays', { layer: 'hands', items: [] })).result, {
      items: 2,
      layer: 'hands',
      layer_items: 0,
    });
    // Faces replaces its box with another one: the old one goes, default's stays.
    await client.request('overlays', {
      layer: 'faces',
      items: [{ box: B, color: '#ff0000', ttl_ms: 5000, thickness: 8 }],
      replace: true,
    });
    await sleep(100);
    const after = await grab(client, { format: 'rgb', overlays: true });
    assert.ok(redShare(after.picture, edgePixels(A, 8)) < 0.2, "faces' old box replaced");
    assert.ok(redShare(after.picture, edgePixels(B, 8)) >= 0.8, "faces' new box drawn");
    assert.ok(redShare(after.picture, edgePixels(C, 8)) >= 0.8, "the default layer's box still drawn");
    assert.equal((await stats(client)).overlay_items, 2);
    // Clearing the default layer the old way leaves faces.
    assert.equal((await client.request('overlays', { items: [] })).result!.items, 1);
    await client.request('overlays', { layer: 'faces', items: [] });
    assert.equal((await stats(client)).overlay_items, 0);
    assert.deepEqual((await stats(client)).overlay_layers, {});
  });

  test('at most 8 layers hold items; more -> bad_request naming layer', async () => {
    const { client } = cam!;
    const item = { box: [0, 0, 10, 10], color: '#ff0000', ttl_ms: 5000 };
    for (let i = 0; i < 8; i++) {
      assert.equal((await client.request('overlays', { layer: `l${i}`, items: [item] })).ok, true);
    }
    const ninth = await client.request('overlays', { layer: 'l8', items: [item] });
    assert.equal(ninth.error?.code, 'bad_request');
    assert.match(ninth.error!.message, /^layer: at most 8 layers/);
    // Freeing one makes room.
    await client.request('overlays', { layer: 'l0', items: [] });
    assert.equal((await client.request('overlays', { layer: 'l8', items: [item] })).ok, true);
    for (let i = 1; i <= 8; i++) await client.request('overlays', { layer: `l${i}`, items: [] });
    assert.equal((await stats(client)).overlay_items, 0);
  });

  test('a polyline and keypoints are drawn at the given positions, with their label', async () => {
    const { client } = cam!;
    const set = await client.request('overlays', { layer: 'hands', items: HAND });
    assert.deepEqual(set.result, { items: 2, layer: 'hands', layer_items: 2 });
    await sleep(100);
    const program = await grab(client, { format: 'rgb', overlays: true });
    const clean = await grab(client, { format: 'rgb', overlays: false });
    const drawn = handShares(program.picture);
    assert.ok(drawn.line >= 0.9, `polyline: ${(drawn.line * 100).toFixed(0)} % of sampled points green`);
    assert.ok(drawn.dots >= 0.9, `keypoints: ${(drawn.dots * 100).toFixed(0)} % of sampled points blue`);
    assert.deepEqual(handShares(clean.picture), { line: 0, dots: 0 }, 'the clean grab shows neither');
    assert.ok(!isGreen(px(program.picture, 500, 200)), 'off the line: not drawn');
    assert.ok(labelWhite(program.picture) > 40, 'the label is drawn');
    await client.request('overlays', { layer: 'hands', items: [] });
  });

  test('bad keypoints / polyline items -> bad_request naming the field', async () => {
    const { client } = cam!;
    const kp = { kind: 'keypoints', points: [[1, 2]], color: '#00ff00', ttl_ms: 100 };
    const pl = {
      kind: 'polyline',
      points: [
        [1, 2],
        [3, 4],
      ],
      color: '#00ff00',
      ttl_ms: 100,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ items: [kp], layer: '' }, 'layer'],
      [{ items: [kp], layer: 'Faces!' }, 'layer'],
      [{ items: [kp], layer: 'x'.repeat(33) }, 'layer'],
      [{ items: [kp], layer: 3 }, 'layer'],
      [{ items: [{ ...kp, kind: 'circle' }] }, 'items[0].kind'],
      [{ items: [{ ...kp, points: [] }] }, 'items[0].points'],
      [{ items: [{ ...kp, points: Array.from({ length: 65 }, () => [1, 1]) }] }, 'items[0].points'],
      [{ items: [{ ...pl, points: [[1, 2]] }] }, 'items[0].points'],
      [{ items: [kp, kp, kp, { ...kp, points: [[1, 2], [3, 4], [5]] }] }, 'items[3].points[2]'],
      [
        {
          items: [
            {
              ...pl,
              points: [
                [1, 2],
                [3, 'a'],
              ],
            },
          ],
        },
        'items[0].points[1]',
      ],
      [
        {
          items: [
            {
              ...pl,
              points: [
                [1, 2],
                [3, 1e6],
              ],
            },
          ],
        },
        'items[0].points[1]',
      ],
      [{ items: [{ ...kp, radius: 0 }] }, 'items[0].radius'],
      [{ items: [{ ...kp, radius: 33 }] }, 'items[0].radius'],
      [{ items: [{ ...pl, thickness: 40 }] }, 'items[0].thickness'],
      [{ items: [{ ...pl, closed: 'yes' }] }, 'items[0].closed'],
      [{ items: [{ ...pl, radius: 3 }] }, 'items[0].radius'],
      [{ items: [{ ...kp, box: [0, 0, 1, 1] }] }, 'items[0].box'],
      [{ items: [{ ...kp, closed: true }] }, 'items[0].closed'],
      [{ items: [{ ...kp, color: 'green' }] }, 'items[0].color'],
      [{ items: [{ ...pl, ttl_ms: 0 }] }, 'items[0].ttl_ms'],
      [{ items: [{ box: [0, 0, 1, 1], color: '#00ff00', ttl_ms: 100, points: [[1, 1]] }] }, 'items[0].points'],
    ];
    for (const [params, field] of cases) {
      const r = await client.request('overlays', params);
      assert.equal(r.error?.code, 'bad_request', JSON.stringify(params));
      assert.ok(r.error!.message.startsWith(`${field}:`), `"${r.error!.message}" names ${field}`);
    }
    assert.equal((await stats(client)).overlay_items, 0, 'a rejected request changes nothing');
  });
});

/** A hand-like drawing: a closed green polyline and white keypoints with a label (output px, 1280x720). */
const POLYLINE: [number, number][] = [
  [300, 300],
  [700, 300],
  [700, 500],
];
const KEYPOINTS: [number, number][] = [
  [900, 200],
  [1000, 260],
  [950, 400],
];
const HAND = [
  { kind: 'polyline', points: POLYLINE, closed: true, color: '#00ff00', ttl_ms: 5000, thickness: 6 },
  { kind: 'keypoints', points: KEYPOINTS, radius: 6, color: '#0000ff', ttl_ms: 5000, label: 'open palm' },
];
const isGreen = ([r, g, b]: [number, number, number]): boolean => g >= 200 && r <= 80 && b <= 80;
const isBlue = ([r, g, b]: [number, number, number]): boolean => b >= 200 && r <= 80 && g <= 80;

/** Points on the three segments of POLYLINE, closed (the sampled positions). */
function polylinePixels(): [number, number][] {
  const points: [number, number][] = [];
  for (let x = 310; x < 690; x += 10) points.push([x, 300]); // top
  for (let y = 310; y < 490; y += 10) points.push([700, y]); // right
  for (let x = 310; x < 690; x += 10) points.push([x, Math.round(300 + ((x - 300) * 200) / 400)]); // closing diagonal
  return points;
}

/** Share of the sampled points of the polyline (green) and keypoints (blue, centre and 3 px off). */
function handShares(p: Picture): { line: number; dots: number } {
  const line = polylinePixels().filter(([x, y]) => isGreen(px(p, x, y))).length / polylinePixels().length;
  const dotPoints = KEYPOINTS.flatMap(([x, y]) => [
    [x, y],
    [x + 3, y],
    [x, y - 3],
  ]);
  const dots = dotPoints.filter(([x, y]) => isBlue(px(p, x!, y!))).length / dotPoints.length;
  return { line, dots };
}

/** White text pixels of the keypoints' label, just above the points' bounds (x 900.., y 200). */
function labelWhite(p: Picture): number {
  let white = 0;
  for (let y = 200 - 18; y < 200; y++) {
    for (let x = 900; x < 900 + 120; x++) {
      const c = px(p, x, y);
      if (c[0] > 200 && c[1] > 200 && c[2] > 200) white += 1;
    }
  }
  return white;
}

describe('overlay policy per item kind (keypoints and polylines are not identity)', () => {
  let cam: Running | undefined;
  afterEach(async () => {
    await stopCamerad(cam);
    cam = undefined;
  });

  const BOX: [number, number, number, number] = [100, 500, 200, 150];

  for (const policy of ['boxes', 'none'] as const) {
    test(`--overlays-private=${policy}: skeleton and its label ${policy === 'none' ? 'absent' : 'drawn'}, box label absent`, async () => {
      cam = await startCamerad('test://black', [...HD, `--overlays-private=${policy}`]);
      const { client } = cam;
      await client.waitEvent('stats', 5000, (d) => d.source_state === 'live');
      await client.request('overlays', { layer: 'hands', items: HAND });
      await client.request('overlays', {
        layer: 'faces',
        items: [{ box: BOX, color: '#ff0000', ttl_ms: 5000, thickness: 8, label: 'Alice 0.93' }],
      });
      await sleep(100);
      const program = await grab(client, { format: 'rgb', overlays: true });
      const shares = handShares(program.picture);
      let boxLabelWhite = 0;
      for (let y = BOX[1] - 18; y < BOX[1]; y++) {
        for (let x = BOX[0]; x < BOX[0] + 130; x++) {
          const c = px(program.picture, x, y);
          if (c[0] > 200 && c[1] > 200 && c[2] > 200) boxLabelWhite += 1;
        }
      }
      assert.equal(boxLabelWhite, 0, 'the box label (identity) is never drawn under boxes or none');
      if (policy === 'boxes') {
        assert.ok(shares.line >= 0.9 && shares.dots >= 0.9, JSON.stringify(shares));
        assert.ok(labelWhite(program.picture) > 40, 'the keypoints label (not identity) is drawn');
        assert.ok(redShare(program.picture, edgePixels(BOX, 8)) >= 0.8, 'box drawn');
      } else {
        assert.deepEqual(shares, { line: 0, dots: 0 });
        assert.equal(labelWhite(program.picture), 0);
        assert.ok(redShare(program.picture, edgePixels(BOX, 8)) < 0.2, 'no box');
      }
    });
  }
});

describe('through media/camera Camera', () => {
  /** An SFU that only keeps track of cameras: the Camera needs one, this test needs no viewers. */
  const fakeSfu = (): Sfu =>
    ({
      name: 'fake',
      addCamera: () => undefined,
      removeCamera: () => undefined,
      viewers: () => [],
      onViewerClosed: () => () => undefined,
      close: async () => undefined,
    }) as unknown as Sfu;

  let camera: Camera | undefined;
  afterEach(async () => {
    await camera?.close();
    camera = undefined;
  });

  test('setAnalysis, onAnalysis (ack after the listener settles), grab, setOverlays; analysis restored after a restart', async () => {
    requireCamerad();
    const rtpPort = await freeUdpPort();
    const socketPath = uniqueSocketPath('camera');
    camera = await Camera.create(
      {
        id: 'a1',
        name: 'a1',
        source: 'test://',
        width: 640,
        height: 360,
        fps: 30,
        rtpPort,
        keyframeMinIntervalMs: 500,
        latencyProbe: false,
        camerad: {
          cameraId: 'a1',
          mode: 'spawn',
          binary: CAMERAD,
          socketPath,
          backoffInitialMs: 100,
          backoffMaxMs: cameradSchema.parse({}).backoffMaxMs,
          args: [
            '--camera=a1',
            '--source=test://',
            '--width=640',
            '--height=360',
            '--fps=30',
            '--analysis-width=320',
            '--analysis-height=320',
            `--rtp-port=${rtpPort}`,
            `--control=${socketPath}`,
            '--stats-interval-ms=250',
          ],
        },
      },
      fakeSfu(),
      testLogger,
    );
    await camera.supervisor.waitRunning(20_000);
    assert.equal(camera.supervisor.hello?.analysis_fps, 0);

    // A slow consumer (250 ms per frame) at 20 fps: frames come one at a time, about 250 ms apart.
    const frames: (AnalysisFrame & { at: number })[] = [];
    let busy = false;
    let overlapped = false;
    camera.onAnalysis(async (frame) => {
      overlapped ||= busy;
      busy = true;
      frames.push({ ...frame, at: Date.now() });
      await sleep(250);
      busy = false;
    });
    assert.deepEqual(await camera.setAnalysis(true, 20), { enabled: true, fps: 20, width: 320, height: 180 });
    await waitUntil('6 analysis frames', 10_000, () => (frames.length >= 6 ? true : undefined));
    assert.equal(overlapped, false, 'the listener never runs twice at once');
    const gaps = frames.slice(1).map((f, i) => f.at - frames[i]!.at);
    assert.ok(Math.min(...gaps) >= 240, `frames at least the listener's 250 ms apart (gaps ${gaps.join(', ')})`);
    const f = frames[0]!;
    assert.deepEqual([f.width, f.height, f.stride, f.rgb.length], [320, 180, 960, 960 * 180]);
    assert.equal(f.data, f.rgb);
    assert.ok(Math.abs(f.at - f.captureTimeMs) < 1000, 'capture time in ms since the epoch');
    await waitUntil('drops counted', 5000, () =>
      (camera!.supervisor.stats?.analysis_dropped ?? 0) > 0 ? true : undefined,
    );

    const jpeg = await camera.grab();
    assert.deepEqual([jpeg.format, jpeg.width, jpeg.height], ['jpeg', 640, 360]);
    assert.ok(jpegInfo(jpeg.data).soi && jpegInfo(jpeg.data).eoi);
    const rgb = await camera.grab({ format: 'rgb', overlays: true });
    assert.deepEqual([rgb.format, rgb.stride, rgb.data.length], ['rgb', 1920, 1920 * 360]);
    assert.ok(Math.abs(Date.now() - rgb.captureTimeMs) < 2000);

    assert.equal(
      await camera.setOverlays([{ box: [10, 10, 100, 100], color: '#00e676', ttl_ms: 2000, label: 'x' }]),
      1,
    );
    await assert.rejects(
      camera.setOverlays([{ box: [10, 10, 100, 100], color: 'green', ttl_ms: 2000 }]),
      (error: unknown) =>
        error instanceof CameradError && error.code === 'bad_request' && /items\[0\]\.color/.test(error.message),
    );
    // A second producer in its own layer adds to the default layer's box; clearing it leaves that box.
    assert.equal(
      await camera.setOverlays(
        [
          {
            kind: 'polyline',
            points: [
              [10, 200],
              [300, 200],
            ],
            color: '#00e676',
            ttl_ms: 2000,
          },
        ],
        { layer: 'hands' },
      ),
      2,
    );
    assert.equal(await camera.setOverlays([], { layer: 'hands' }), 1);
    await assert.rejects(
      camera.setOverlays(
        [{ kind: 'keypoints', points: [[1, 2, 3] as unknown as [number, number]], color: '#00e676', ttl_ms: 2000 }],
        { layer: 'hands' },
      ),
      (error: unknown) =>
        error instanceof CameradError && error.code === 'bad_request' && /items\[0\]\.points\[0\]/.test(error.message),
    );
    await assert.rejects(camera.setAnalysis(true, 0), TypeError);

    // A restarted camerad starts with analysis off (no --analysis-fps): the Camera turns it back on.
    const pid = camera.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    await waitUntil('a new camerad', 20_000, () =>
      camera!.supervisor.state === 'running' && camera!.supervisor.pid !== pid ? true : undefined,
    );
    const count = frames.length;
    await waitUntil('analysis frames from the new camerad', 10_000, () =>
      frames.length >= count + 3 ? true : undefined,
    );
    assert.equal((await camera.supervisor.request('stats')).analysis_fps, 20);
  });
});
