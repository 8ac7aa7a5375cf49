import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../server/config/projectRoot.js';
import { launchChromium, pollUntil, videoState } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { type StartedProcess, startProcess, stopGroup, waitForOutput } from '../helpers/processes.js';
import { pulledSize } from '../helpers/rtmpPull.js';
import { startRtmpServer } from '../helpers/rtmpServer.js';

const root = projectRoot();
/** A stream key that must never appear in a log line, a response or an event. */
const STREAM_KEY = 'sk-e2e-9f3b7c1d2a';
const TOKEN = 'e2e-viewer-token-0123';
const ADMIN = 'e2e-admin-token-0123456789abcdef-xyz';

interface StreamStatus {
  camera: string;
  state: string;
  reconnects: number;
  bytes_sent: number;
  last_error: string | null;
}

/** Counts the parts of a multipart/x-mixed-replace MJPEG response, with their arrival times (ms). */
function mjpegClient(url: string): { times: number[]; close: () => void } {
  const times: number[] = [];
  let tail = '';
  let boundary = '';
  const req = request(url, (res) => {
    const match = /boundary=("?)([^";]+)\1/.exec(res.headers['content-type'] ?? '');
    boundary = `--${match?.[2] ?? ''}`;
    res.setEncoding('latin1');
    res.on('data', (chunk: string) => {
      const text = tail + chunk;
      let at = text.indexOf(boundary);
      while (at !== -1) {
        times.push(Date.now());
        at = text.indexOf(boundary, at + boundary.length);
      }
      tail = text.slice(-boundary.length);
    });
  });
  req.on('error', () => {});
  req.end();
  return { times, close: () => req.destroy() };
}

/** The 1 s windows of [from, to) in which no time of `times` falls. */
function emptyWindows(times: number[], from: number, to: number): number[] {
  const empty: number[] = [];
  for (let start = from; start + 1000 <= to; start += 1000) {
    if (!times.some((t) => t >= start && t < start + 1000)) empty.push(start - from);
  }
  return empty;
}

describe('Livepeer RTMP egress through an ingest outage', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-rtmp-e2e-'));
  let rtmp: Awaited<ReturnType<typeof startRtmpServer>>;
  let server: StartedProcess | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let base = '';
  let log = '';
  const api = async (method: string, path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(new URL(path, base), { method, headers: { authorization: `Bearer ${ADMIN}` } });
    return { status: res.status, text: await res.text() };
  };
  const streamStatus = async (): Promise<StreamStatus> => {
    const { text } = await api('GET', '/api/stream/status');
    assert.ok(!text.includes(STREAM_KEY), 'GET /api/stream/status shows the stream key');
    const body = JSON.parse(text) as { streams: StreamStatus[] };
    return body.streams.find((s) => s.camera === 'cam')!;
  };

  before(async () => {
    rtmp = await startRtmpServer();
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        server: { host: '127.0.0.1', port: 0, token: TOKEN, adminToken: ADMIN, publicUrl: 'http://127.0.0.1/' },
        webrtc: { announcedAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1' },
        camerad: { runtimeDir: join(dir, 'run'), rtpBasePort: await freeUdpPort(true) },
        storage: { dataDir: join(dir, 'state') },
        vision: { enabled: false },
        cameras: [{ id: 'cam', source: 'test://', width: 640, height: 360, fps: 30, bitrateKbps: 800 }],
        outputs: { mjpeg: { fps: 10 } },
        livepeer: {
          ingestUrl: `rtmp://127.0.0.1:${rtmp.port}/live`,
          streamKey: STREAM_KEY,
          backoffInitialMs: 500,
          backoffMaxMs: 2000,
        },
        // Everything the server and camerad say, so the stream key check sees every line.
        log: { level: 'debug' },
      }),
    );
    server = await startProcess('server', process.execPath, ['dist/server/main.js', '--config', configFile], {
      cwd: root,
    });
    server.child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    server.child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    const match = await waitForOutput(server, /listening: open http:\/\/[\d.]+:(\d+)\//, 60_000);
    base = `http://127.0.0.1:${match[1]}`;
    browser = await launchChromium();
    page = await browser.browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await stopGroup(server, 10_000);
    await rtmp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the configured size, reconnects by itself after a 10 s outage, and WebRTC and MJPEG never stall', async () => {
    // A browser viewer (frames decoded by Chromium, counted per requestVideoFrameCallback) and an MJPEG client.
    await page.goto(`${base}/?token=${TOKEN}`);
    await pollUntil(
      () => videoState(page, 'cam'),
      (s) => s.width === 640 && s.total > 10,
      60_000,
      'the video plays',
    );
    // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
    await page.evaluate(`(() => {
      const video = document.getElementById('video-cam');
      const times = [];
      window.__frameTimes = times;
      const tick = () => {
        times.push(Date.now());
        video.requestVideoFrameCallback(tick);
      };
      video.requestVideoFrameCallback(tick);
    })()`);
    const mjpeg = mjpegClient(`${base}/mjpeg-stream?token=${TOKEN}`);
    try {
      const started = await api('POST', '/api/stream/livepeer/start');
      assert.equal(started.status, 200, started.text);
      assert.ok(!started.text.includes(STREAM_KEY), 'the start response shows the stream key');
      await pollUntil(streamStatus, (s) => s.state === 'live', 30_000, 'the RTMP stream goes live');
      assert.deepEqual(await pulledSize(rtmp.url('live', STREAM_KEY)), { width: 640, height: 360 });

      // Outage: the ingest is down for 10 s, then comes back on the same port.
      const from = Date.now();
      await rtmp.stop();
      await pollUntil(streamStatus, (s) => s.state === 'reconnecting', 20_000, 'the egress notices the outage');
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - from))));
      await rtmp.start();
      const back = await pollUntil(
        streamStatus,
        (s) => s.state === 'live' && s.reconnects >= 1,
        60_000,
        'the egress reconnects by itself',
      );
      const to = Date.now();
      assert.ok(back.reconnects >= 1);
      assert.deepEqual(await pulledSize(rtmp.url('live', STREAM_KEY)), { width: 640, height: 360 });

      const browserTimes = await page.evaluate(() => (window as unknown as { __frameTimes: number[] }).__frameTimes);
      assert.deepEqual(emptyWindows(browserTimes, from, to), [], 'WebRTC: 1 s windows without a decoded frame');
      assert.deepEqual(emptyWindows(mjpeg.times, from, to), [], 'MJPEG: 1 s windows without a frame');
      assert.ok(to - from >= 10_000);

      const stopped = await api('POST', '/api/stream/livepeer/stop');
      assert.equal(stopped.status, 200, stopped.text);
      assert.equal((await api('POST', '/api/stream/livepeer/stop')).status, 409);
    } finally {
      mjpeg.close();
    }
    // The stream key never reached the server's log (camerad's GStreamer errors quote the URL).
    assert.ok(log.length > 0);
    assert.ok(log.includes(`127.0.0.1:${rtmp.port}`) || log.includes('rtmp'), 'the log mentions the RTMP egress');
    assert.ok(!log.includes(STREAM_KEY), 'the stream key appears in the server log');
  });

  it('sends nothing off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
