/**
 * `npm run bench:outputs`: every output of one camera on at once (WebRTC viewer, MJPEG client,
 * RTMP to a local nginx, a recording), at 720p30 by default: delivered frames per second per
 * output and CPU. Baseline in the same run: the same server with only the WebRTC viewer (one
 * encode, no other branch), so the cost of the other outputs is a ratio, not a guess.
 *
 * - WebRTC: a werift viewer through WHEP; frames = RTP packets with the marker bit (the last
 *   packet of each access unit, RFC 6184 §5.1).
 * - MJPEG: `GET /mjpeg-stream-with-faces`; frames = multipart parts.
 * - RTMP: `POST /api/stream/livepeer/start` to nginx on 127.0.0.1; frames = FLV video tags read
 *   back by `rtmp2src ! flvdemux ! fakesink` (GStreamer), counted per buffer.
 * - Recording: `POST /api/record/start` then `/stop`; frames = camerad's written frames over the
 *   recording's own duration.
 * - RTSP: `outputs.rtsp` on (rtspd); a test RTSP client (test/helpers/RtspClient.ts, TCP
 *   interleaved, Digest) plays the camera; frames = RTP packets with the marker bit.
 * - CPU: the server, camerad and (in the `all` phase) rtspd processes together (% of one core),
 *   and the whole machine.
 *
 * Human summary on stdout, then the last line: JSON with `outputs` (fps per output), `cpu`.
 * Exit 1 when something fails to start, 2 on bad arguments.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup } from '../../test/helpers/cleanup.js';
import { startRtmpServer } from '../../test/helpers/rtmpServer.js';
import { RtspClient } from '../../test/helpers/RtspClient.js';
import { WeriftTestClient } from '../../test/helpers/weriftClient.js';
import { BenchServer } from '../lib/BenchServer.js';
import { CpuWindow } from '../lib/CpuWindow.js';
import { HostCpuWindow } from '../lib/HostCpuWindow.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { printJsonLine, printTable, progress as benchProgress } from '../lib/report.js';
import { round } from '../lib/stats.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The admin token: Livepeer start/stop and recordings are operator routes. Viewing needs no token (loopback). */
const TOKEN = 'bench-outputs-admin-token-0123456789ab';
const STREAM_KEY = 'bench-key';
const RTSP_USER = 'bench';
const RTSP_PASSWORD = 'bench-rtsp-password-0123';
const progress = (message: string): void => benchProgress('outputs', message);

const usage = `usage: npm run bench:outputs -- [--measure-s 20] [--width 1280] [--height 720] [--fps 30] [--mjpeg-fps 15]`;

function parseOptions(): { measureS: number; width: number; height: number; fps: number; mjpegFps: number } {
  const { values } = parseArgs({
    options: {
      'measure-s': { type: 'string', default: '20' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '720' },
      fps: { type: 'string', default: '30' },
      'mjpeg-fps': { type: 'string', default: '15' },
    },
  });
  const n = (name: keyof typeof values): number => {
    const v = Number(values[name]);
    if (!Number.isFinite(v) || v <= 0) {
      process.stderr.write(`bad --${name}: ${values[name]}\n${usage}\n`);
      process.exit(2);
    }
    return v;
  };
  return { measureS: n('measure-s'), width: n('width'), height: n('height'), fps: n('fps'), mjpegFps: n('mjpeg-fps') };
}

/** Counts something per arrival time; `rate(from, to)` = arrivals per second in that span. */
class Counter {
  readonly times: number[] = [];
  add(): void {
    this.times.push(performance.now());
  }
  rate(from: number, to: number): number {
    return this.times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
  }
}

/** A WHEP viewer counting access units (RTP marker bits). */
async function webrtcViewer(url: string): Promise<{ frames: Counter; close: () => Promise<void> }> {
  const client = new WeriftTestClient();
  const frames = new Counter();
  const offer = await client.createOffer();
  const res = await fetch(`${url}/whep/bench`, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp' },
    body: offer,
  });
  if (res.status !== 201) throw new Error(`WHEP POST: ${res.status} ${await res.text()}`);
  await client.setAnswer(await res.text());
  const track = await waitUntil(() => client.track, 20_000, 'the WebRTC track');
  track.onReceiveRtp.subscribe((rtp) => {
    if (rtp.header.marker) frames.add();
  });
  return { frames, close: () => client.close() };
}

/** An MJPEG client counting parts. */
function mjpegClient(url: string): { frames: Counter; close: () => void } {
  const frames = new Counter();
  let tail = '';
  let boundary = '';
  const req = request(url, (res) => {
    boundary = `--${/boundary=("?)([^";]+)\1/.exec(res.headers['content-type'] ?? '')?.[2] ?? ''}`;
    res.setEncoding('latin1');
    res.on('data', (chunk: string) => {
      const text = tail + chunk;
      for (let at = text.indexOf(boundary); at !== -1; at = text.indexOf(boundary, at + boundary.length)) frames.add();
      tail = text.slice(-boundary.length);
    });
  });
  req.on('error', () => {});
  req.end();
  return { frames, close: () => req.destroy() };
}

/** Reads the RTMP stream back from nginx and counts FLV video buffers. */
function rtmpReader(url: string): { frames: Counter; close: () => void } {
  const frames = new Counter();
  const child = spawn(
    'gst-launch-1.0',
    ['-v', 'rtmp2src', `location=${url}`, '!', 'flvdemux', 'name=d', 'd.video', '!', 'fakesink', 'silent=false'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.includes('chain   ******* (fakesink0:sink)')) frames.add();
  });
  return { frames, close: () => child.kill('SIGTERM') };
}

async function waitUntil<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `/api/status` shows rtspd listening; its port and pid. */
async function waitForRtsp(base: string): Promise<{ port: number; pid: number }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = (await api(base, 'GET', '/api/status')) as {
      outputs?: { rtsp?: { state: string; port: number; pid: number } };
    };
    if (status.outputs?.rtsp?.state === 'running')
      return { port: status.outputs.rtsp.port, pid: status.outputs.rtsp.pid };
    if (Date.now() > deadline) throw new Error(`rtspd not running: ${JSON.stringify(status.outputs?.rtsp)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api(base: string, method: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

interface Phase {
  cpuPct: number;
  hostBusyPct: number;
  stealPct: number;
  fps: Record<string, number | null>;
}

async function main(): Promise<void> {
  const options = parseOptions();
  installCleanup();
  const rtmp = await startRtmpServer();
  const phases: Record<'baseline' | 'all', Phase> = {} as Record<'baseline' | 'all', Phase>;
  let server: BenchServer | undefined;
  /** rtspd alone (its share of the `all` phase's CPU), % of one core. */
  let rtspdCpuPct: number | null = null;
  try {
    for (const phase of ['baseline', 'all'] as const) {
      progress(`${phase}: starting the server (${options.width}x${options.height}@${options.fps})`);
      server = await BenchServer.start({
        root,
        camera: { id: 'bench', source: 'test://', width: options.width, height: options.height, fps: options.fps },
        adminToken: TOKEN,
        env: {
          ECS_VISION__ENABLED: 'false',
          ECS_OUTPUTS__MJPEG__FPS: String(options.mjpegFps),
          ECS_LIVEPEER__INGEST_URL: `rtmp://127.0.0.1:${rtmp.port}/live`,
          ECS_LIVEPEER__STREAM_KEY: STREAM_KEY,
          ...(phase === 'all'
            ? {
                ECS_OUTPUTS__RTSP__ENABLED: 'true',
                ECS_OUTPUTS__RTSP__PORT: '0',
                ECS_OUTPUTS__RTSP__USERS: JSON.stringify([{ name: RTSP_USER, password: RTSP_PASSWORD }]),
              }
            : {}),
        },
      });
      const pid = (await server.camera())?.pid;
      if (!pid) throw new Error('camerad has no pid');
      const viewer = await webrtcViewer(server.url);
      let mjpeg: ReturnType<typeof mjpegClient> | undefined;
      let reader: ReturnType<typeof rtmpReader> | undefined;
      let rtsp: { client: RtspClient; pid: number } | undefined;
      if (phase === 'all') {
        const status = await waitForRtsp(server.url);
        const client = await RtspClient.connect(status.port, RTSP_USER, RTSP_PASSWORD);
        await client.play(`rtsp://127.0.0.1:${status.port}/bench`);
        rtsp = { client, pid: status.pid };
        mjpeg = mjpegClient(`${server.url}/mjpeg-stream-with-faces`);
        await api(server.url, 'POST', '/api/stream/livepeer/start');
        const deadline = Date.now() + 30_000;
        for (;;) {
          const status = await api(server.url, 'GET', '/api/stream/status');
          if ((status.streams as { state: string }[])[0]?.state === 'live') break;
          if (Date.now() > deadline) throw new Error(`RTMP not live: ${JSON.stringify(status)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        reader = rtmpReader(rtmp.url('live', STREAM_KEY));
        await api(server.url, 'POST', '/api/record/start');
      }
      progress(`${phase}: settling 3 s, then measuring ${options.measureS} s`);
      await new Promise((r) => setTimeout(r, 3000));
      const from = performance.now();
      const cpu = new CpuWindow([server.process.pid, pid, ...(rtsp ? [rtsp.pid] : [])]);
      const rtspCpu = rtsp ? new CpuWindow([rtsp.pid]) : undefined;
      const host = new HostCpuWindow();
      await new Promise((r) => setTimeout(r, options.measureS * 1000));
      const to = performance.now();
      const cpuPct = cpu.pct();
      if (rtspCpu) rtspdCpuPct = round(rtspCpu.pct(), 1)!;
      const hostCpu = host.finish();
      const fps: Record<string, number | null> = {
        webrtc: round(viewer.frames.rate(from, to), 1),
        mjpeg: mjpeg ? round(mjpeg.frames.rate(from, to), 1) : null,
        rtmp: reader ? round(reader.frames.rate(from, to), 1) : null,
        recording: null,
        rtsp: rtsp
          ? round(
              rtsp.client.packets.filter((p) => p.marker && p.at >= from && p.at < to).length / ((to - from) / 1000),
              1,
            )
          : null,
      };
      if (phase === 'all') {
        const stopped = await api(server.url, 'POST', '/api/record/stop');
        const frames = Number(stopped.frames);
        const durationMs = Number(stopped.durationMs);
        fps.recording = durationMs > 0 ? round(frames / (durationMs / 1000), 1) : null;
        await api(server.url, 'POST', '/api/stream/livepeer/stop');
      }
      phases[phase] = { cpuPct: round(cpuPct, 1)!, hostBusyPct: hostCpu.busyPct, stealPct: hostCpu.stealPct, fps };
      mjpeg?.close();
      reader?.close();
      rtsp?.client.close();
      await viewer.close();
      await server.stop();
      server = undefined;
    }
  } finally {
    await server?.stop();
    await rtmp.close();
  }
  const all = phases.all;
  const configured: Record<string, number> = {
    webrtc: options.fps,
    mjpeg: options.mjpegFps,
    rtmp: options.fps,
    recording: options.fps,
    rtsp: options.fps,
  };
  process.stdout.write(
    `\nAll outputs of one ${options.width}x${options.height}@${options.fps} camera (test pattern), ${options.measureS} s each phase\n\n`,
  );
  printTable(
    ['output', 'configured fps', 'delivered fps', 'ratio'],
    Object.keys(configured).map((k) => [
      k,
      configured[k]!,
      all.fps[k] ?? null,
      all.fps[k] === null || all.fps[k] === undefined ? null : round(all.fps[k]! / configured[k]!, 2),
    ]),
  );
  process.stdout.write('\n');
  printTable(
    ['phase', 'server+camerad(+rtspd) CPU %', 'machine busy %', 'steal %'],
    (['baseline', 'all'] as const).map((p) => [p, phases[p].cpuPct, phases[p].hostBusyPct, phases[p].stealPct]),
  );
  process.stdout.write(
    `\nCPU with every output on: ${round(all.cpuPct / Math.max(1, phases.baseline.cpuPct), 2)}x the WebRTC-only baseline (rtspd alone: ${rtspdCpuPct} %)\n\n`,
  );
  printJsonLine({
    bench: 'outputs',
    machine: machineInfo(),
    revision: gitRevision(root),
    size: `${options.width}x${options.height}`,
    configured_fps: configured,
    fps: all.fps,
    fps_ratio: Object.fromEntries(
      Object.keys(configured).map((k) => [k, all.fps[k] == null ? null : round(all.fps[k]! / configured[k]!, 3)]),
    ),
    cpu_pct: all.cpuPct,
    baseline_cpu_pct: phases.baseline.cpuPct,
    cpu_ratio: round(all.cpuPct / Math.max(1, phases.baseline.cpuPct), 2),
    rtspd_cpu_pct: rtspdCpuPct,
    host_busy_pct: all.hostBusyPct,
    steal_pct: all.stealPct,
    baseline_fps: phases.baseline.fps.webrtc,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:outputs failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
