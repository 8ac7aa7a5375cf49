import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import type { RtspStatus } from '../../media/rtsp/RtspOutputTypes.js';
import { rejectsConfig } from '../helpers/configRejects.js';
import { promtool } from '../helpers/Prometheus.js';
import { RtspClient } from '../helpers/RtspClient.js';
import { pollUntil } from '../helpers/hostCapture.js';
import { within } from '../helpers/within.js';
import { WeriftTestClient } from '../helpers/weriftClient.js';
import { startProcess, stopGroup } from '../helpers/processes.js';
import { startTestServer } from '../helpers/testServer.js';

/**
 * RTSP out (media/rtsp, native/src/rtspd, docs/rtsp.md) against the real server, camerad and
 * rtspd on the sample camera (1280×720), read by Debian's ffmpeg/ffprobe and GStreamer's rtspsrc.
 */

const USER = 'nvr';
const PASSWORD = 'correct-horse-battery';
const MAX_CLIENTS = 12;
/** outputs.rtsp.maxPendingPerAddress: the 10-reader test starts its readers at once from 127.0.0.1. */
const MAX_PENDING_PER_ADDRESS = 12;
const MAX_PENDING = 16;
/** outputs.rtsp.authTimeoutS of this file's server, so the test of idle strangers stays short. */
const AUTH_TIMEOUT_S = 3;
/** outputs.rtsp.rtpBasePort: the sample camera's RTP goes to rtspd on this port. */
const RTP_BASE_PORT = 5390;
/** outputs.rtsp.clientTimeoutS of this file's server (its minimum), so the drop test stays short. */
const CLIENT_TIMEOUT_S = 5;

/** What one reader decoded. */
interface Reading {
  tool: string;
  width: number;
  height: number;
  /** Decoded frames in 10 s of stream time, per second. */
  fps: number;
}

type Ctx = Awaited<ReturnType<typeof startTestServer>>;
let ctx: Ctx;
/** What the server logs at info and above (kept for the file's run: a few hundred lines). */
const logLines: { msg: string; notLoggedBefore?: number }[] = [];
let port: number;

const rtsp = () => ctx.server.outputs.rtsp.status();
const url = (path: string, user = `${USER}:${PASSWORD}@`): string => `rtsp://${user}127.0.0.1:${port}${path}`;

/** Runs a command to its end (bounded by `limitMs`) and returns its output. */
async function run(name: string, command: string, args: string[], limitMs = 40_000, stdin?: string): Promise<string> {
  const started = await startProcess(name, command, args, {
    cwd: projectRoot(),
    ...(stdin === undefined ? {} : { stdin }),
  });
  const timer = setTimeout(() => void stopGroup(started, 1000), limitMs);
  await started.exited;
  clearTimeout(timer);
  return started.output();
}

/**
 * One RTSP request on a fresh connection; resolves with the status line and headers.
 * @throws Error when no reply comes within 20 s (a hang guard).
 */
async function rawRequest(lines: string[], socket?: Socket): Promise<string> {
  const s = socket ?? connect(port, '127.0.0.1');
  const reply = new Promise<string>((resolve, reject) => {
    let text = '';
    s.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve(text);
    });
    s.once('error', reject);
    s.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
  try {
    return await within(reply, 20_000, `the reply to ${lines[0]}`);
  } finally {
    if (!socket) s.destroy();
  }
}

describe('RTSP out', { timeout: 600_000 }, () => {
  before(async () => {
    ctx = await startTestServer(
      {
        ECS_OUTPUTS__RTSP__ENABLED: 'true',
        ECS_OUTPUTS__RTSP__PORT: '0',
        ECS_OUTPUTS__RTSP__RTP_BASE_PORT: String(RTP_BASE_PORT),
        ECS_OUTPUTS__RTSP__MAX_CLIENTS: String(MAX_CLIENTS),
        ECS_OUTPUTS__RTSP__MAX_PENDING_CLIENTS: String(MAX_PENDING),
        ECS_OUTPUTS__RTSP__MAX_PENDING_PER_ADDRESS: String(MAX_PENDING_PER_ADDRESS),
        ECS_OUTPUTS__RTSP__AUTH_TIMEOUT_S: String(AUTH_TIMEOUT_S),
        ECS_OUTPUTS__RTSP__CLIENT_TIMEOUT_S: String(CLIENT_TIMEOUT_S),
        ECS_OUTPUTS__RTSP__USERS: JSON.stringify([{ name: USER, password: PASSWORD }]),
      },
      pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) }),
    );
    port = await pollUntil(() => ctx.server.outputs.rtsp.port ?? undefined, 'rtspd listening');
    await pollUntil(() => (ctx.server.cameras.get('sample')!.running ? true : undefined), 'camerad running');
  });
  after(async () => {
    await ctx?.close();
  });

  it('ffprobe, ffmpeg and rtspsrc each read 10 s over TCP and UDP and decode 1280×720 at the camera’s fps (±5 %)', async () => {
    const target = url('/sample');
    const readers = (transport: 'tcp' | 'udp'): (() => Promise<Reading>)[] => [
      () =>
        run(`ffprobe-${transport}`, 'ffprobe', [
          ...['-v', 'error', '-rtsp_transport', transport, '-select_streams', 'v:0', '-count_frames'],
          ...['-read_intervals', '%+10', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', target],
        ]).then((out) => {
          const json = out.indexOf('{') >= 0 ? out.slice(out.indexOf('{')) : '{}';
          const stream = (JSON.parse(json) as { streams?: Record<string, unknown>[] }).streams?.[0];
          assert.ok(stream, `ffprobe ${transport} found a stream: ${out.slice(-2000)}`);
          return {
            tool: `ffprobe ${transport}`,
            width: Number(stream.width),
            height: Number(stream.height),
            fps: Number(stream.nb_read_frames) / 10,
          };
        }),
      () =>
        run(`ffmpeg-${transport}`, 'ffmpeg', [
          '-nostats',
          '-rtsp_transport',
          transport,
          '-i',
          target,
          '-t',
          '10',
          '-f',
          'null',
          '-',
        ]).then((out) => {
          const size = /Video: h264.*?, (\d+)x(\d+)/.exec(out);
          const frames = [...out.matchAll(/frame=\s*(\d+)/g)].at(-1);
          return {
            tool: `ffmpeg ${transport}`,
            width: Number(size?.[1]),
            height: Number(size?.[2]),
            fps: Number(frames?.[1]) / 10,
          };
        }),
      () =>
        run(
          `rtspsrc-${transport}`,
          '/usr/bin/python3',
          ['test/helpers/rtspsrc_frames.py', url('/sample', ''), transport, '10'],
          40_000,
          `${USER}:${PASSWORD}\n`,
        ).then((out) => {
          const line = out.split('\n').find((l) => l.startsWith('{'));
          assert.ok(line, `rtspsrc ${transport} read 10 s: ${out.slice(-2000)}`);
          const r = JSON.parse(line) as { frames: number; width: number; height: number };
          return { tool: `rtspsrc ${transport}`, width: r.width, height: r.height, fps: r.frames / 10 };
        }),
    ];
    // The camera's own rate meanwhile: the median of the fps it reports (camerad's stats).
    const camera = ctx.server.cameras.get('sample')!;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(camera.status().fps ?? 0), 500);
    // The three readers of one transport at once (all six at once starve this 2-core machine:
    // rtspsrc's jitterbuffer then drops what the process reads late).
    const results = [
      ...(await Promise.all(readers('tcp').map((start) => start()))),
      ...(await Promise.all(readers('udp').map((start) => start()))),
    ];
    clearInterval(sampler);
    const cameraFps = samples.sort((x, y) => x - y)[Math.floor(samples.length / 2)]!;
    assert.ok(cameraFps > 0, 'the camera reports its fps');
    for (const r of results) {
      assert.deepEqual([r.tool, r.width, r.height], [r.tool, 1280, 720], `${r.tool} decodes 1280×720`);
      assert.ok(Math.abs(r.fps - cameraFps) <= 0.05 * cameraFps, `${r.tool}: ${r.fps} fps, camera ${cameraFps}`);
    }
  });

  it('asks for Digest credentials (401), refuses wrong ones and Basic, and answers 404 for an unknown camera', async () => {
    const describeSample = [`DESCRIBE rtsp://127.0.0.1:${port}/sample RTSP/1.0`, 'CSeq: 1'];
    const anonymous = await rawRequest(describeSample);
    assert.match(anonymous, /^RTSP\/1\.0 401/);
    assert.match(anonymous, /WWW-Authenticate: Digest/);
    assert.doesNotMatch(anonymous, /WWW-Authenticate: Basic/);
    // Without credentials an unknown camera looks the same as a known one: ids are not revealed.
    const anonymousUnknown = await rawRequest([`DESCRIBE rtsp://127.0.0.1:${port}/no-such-camera RTSP/1.0`, 'CSeq: 1']);
    assert.match(anonymousUnknown, /^RTSP\/1\.0 401/);
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    assert.match(await rawRequest([...describeSample, `Authorization: Basic ${basic}`]), /^RTSP\/1\.0 401/);
    const wrong = await run('ffprobe-wrong', 'ffprobe', [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      url('/sample', `${USER}:wrong-password-x@`),
    ]);
    assert.match(wrong, /401 Unauthorized/);
    const unknown = await run('ffprobe-unknown', 'ffprobe', [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      url('/no-such-camera'),
    ]);
    assert.match(unknown, /404 Not Found/);
  });

  it(`refuses an NVR past maxClients (${MAX_CLIENTS}) with 503 and counts it`, async () => {
    const held: RtspClient[] = [];
    const refusedBefore = rtsp().refused_clients;
    try {
      // Authenticated connections (an unknown path answers 404, but the credentials count).
      for (let i = 0; i < MAX_CLIENTS; i++) {
        const client = await RtspClient.connect(port, USER, PASSWORD);
        held.push(client);
        assert.equal((await client.request('DESCRIBE', url('/no-such-camera', ''))).status, 404);
      }
      await pollUntil(() => (rtsp().clients === MAX_CLIENTS ? true : undefined), 'the held connections counted');
      // A stranger learns nothing, not even that the box is full: 401 comes first.
      const stranger = await rawRequest([`DESCRIBE rtsp://127.0.0.1:${port}/sample RTSP/1.0`, 'CSeq: 1']);
      assert.match(stranger, /^RTSP\/1\.0 401/);
      const extra = await RtspClient.connect(port, USER, PASSWORD);
      const reply = await extra.request('DESCRIBE', url('/sample', ''), { Accept: 'application/sdp' });
      assert.equal(reply.status, 503, 'an NVR with valid credentials past maxClients');
      // The server's first refusal: logged, with its reason.
      await pollUntil(
        () =>
          logLines.some((l) => l.msg === 'RTSP connection refused: outputs.rtsp.maxClients reached') ? true : undefined,
        'the refusal logged',
      );
      await within(extra.closed, 10_000, 'the server closing the refused connection');
      assert.equal(rtsp().refused_clients, refusedBefore + 1);
    } finally {
      for (const client of held) client.close();
      // rtspd notices the closed sockets on its own loop: the next test must not find them still counted.
      await pollUntil(() => (rtsp().clients === 0 ? true : undefined), 'the held connections released');
    }
  });

  it(`keeps a stranger's idle connections apart from NVRs: ${MAX_PENDING_PER_ADDRESS} per address, ${MAX_PENDING} in all, closed after authTimeoutS`, async () => {
    const refusedBefore = rtsp().refused_clients;
    const logBefore = logLines.length;
    const held: Socket[] = [];
    const open = async (localAddress: string): Promise<Socket> => {
      const s = connect({ port, host: '127.0.0.1', localAddress });
      await new Promise((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
      });
      held.push(s);
      return s;
    };
    try {
      // An NVR already playing keeps playing whatever strangers do.
      const nvr = await RtspClient.connect(port, USER, PASSWORD);
      try {
        await nvr.play(url('/sample', ''));
        for (let i = 0; i < MAX_PENDING_PER_ADDRESS; i++) await open('127.0.0.2');
        await pollUntil(
          () => (rtsp().pending_clients === MAX_PENDING_PER_ADDRESS ? true : undefined),
          'the idle connections pending',
        );
        assert.equal(rtsp().clients, 1, 'pending connections are not counted against maxClients');
        // One more from the same address: refused, even with valid credentials.
        const sameAddress = await RtspClient.connect(port, USER, PASSWORD, '127.0.0.2');
        assert.equal((await sameAddress.request('DESCRIBE', url('/sample', ''))).status, 503);
        // Other addresses fill the pending pool; past it, any new connection is refused.
        for (let i = MAX_PENDING_PER_ADDRESS; i < MAX_PENDING; i++) await open('127.0.0.3');
        await pollUntil(() => (rtsp().pending_clients === MAX_PENDING ? true : undefined), 'the pending pool full');
        const poolFull = await RtspClient.connect(port, USER, PASSWORD, '127.0.0.4');
        assert.equal((await poolFull.request('DESCRIBE', url('/sample', ''))).status, 503);
        await within(
          Promise.all([sameAddress.closed, poolFull.closed]),
          10_000,
          'the server closing both refused connections',
        );
        // Without credentials within authTimeoutS, every idle connection is closed by the server.
        await pollUntil(
          () => (held.every((s) => s.closed) ? true : undefined),
          'the server closing every idle connection',
          (AUTH_TIMEOUT_S + 5) * 1000,
        );
        await pollUntil(() => (rtsp().pending_clients === 0 ? true : undefined), 'no pending connection left');
        assert.equal(
          rtsp().refused_clients,
          refusedBefore + 2 + MAX_PENDING,
          '2 refused at connect, the rest timed out',
        );
        // 18 refusals in a few seconds: at most one log line per 10 s, not 18 (the counter has them all).
        const logged = logLines.slice(logBefore).filter((w) => w.msg.startsWith('RTSP connection refused'));
        assert.ok(logged.length <= 2, `${logged.length} refusals logged`);
        const before = nvr.packets.length;
        await pollUntil(() => (nvr.packets.length > before + 50 ? true : undefined), 'the NVR still receiving');
        assert.equal(rtsp().clients, 1);
      } finally {
        nvr.close();
      }
    } finally {
      for (const s of held) s.destroy();
      await pollUntil(() => (rtsp().clients === 0 ? true : undefined), 'the NVR released');
    }
  });

  it('keeps an RTSP client playing with continuous sequence numbers and one SSRC across a camerad SIGKILL', async () => {
    const camera = ctx.server.cameras.get('sample')!;
    const client = await RtspClient.connect(port, USER, PASSWORD);
    try {
      await client.play(url('/sample', ''));
      await pollUntil(() => (client.packets.length > 100 ? true : undefined), 'RTP before the kill');
      const pid = camera.status().pid!;
      const restarts = camera.status().restarts;
      process.kill(pid, 'SIGKILL');
      const killedAt = client.packets.length;
      await pollUntil(
        () => (camera.status().restarts > restarts && camera.running ? true : undefined),
        'camerad restarted',
        60_000,
      );
      const afterRestart = client.packets.length;
      await pollUntil(
        () => (client.packets.length > afterRestart + 200 ? true : undefined),
        'RTP from the new camerad',
      );
      const packets = client.packets;
      assert.deepEqual(new Set(packets.map((p) => p.ssrc)).size, 1, 'one SSRC');
      const gaps = packets
        .map((p, i) => ({ i, from: packets[i - 1]?.seq, to: p.seq }))
        .filter(({ i, from, to }) => i > 0 && to !== ((from! + 1) & 0xffff));
      assert.deepEqual(
        gaps,
        [],
        `each sequence number follows the previous one (${packets.length} packets, kill at ${killedAt})`,
      );
      assert.notEqual(camera.status().pid, pid, 'a new camerad sends');
    } finally {
      client.close();
    }
  });

  it(`drops a client that stops reading (after clientTimeoutS ${CLIENT_TIMEOUT_S} s of a full socket) while another keeps receiving`, async () => {
    const droppedBefore = rtsp().dropped_clients;
    const stuck = await RtspClient.connect(port, USER, PASSWORD);
    const reader = await RtspClient.connect(port, USER, PASSWORD);
    try {
      await reader.play(url('/sample', ''));
      await stuck.play(url('/sample', ''));
      // It stops reading at once, before its receive buffer grew (Linux autotunes it up to tcp_rmem's max).
      await pollUntil(() => (stuck.packets.length > 0 ? true : undefined), 'the stuck client receives');
      stuck.pause();
      // Its kernel buffers fill first (a few MB), then clientTimeoutS without progress.
      await pollUntil(
        () => (rtsp().dropped_clients === droppedBefore + 1 ? true : undefined),
        'the stuck client dropped',
        90_000,
      );
      // Reading again, it finds the connection closed by the server.
      stuck.resume();
      await within(stuck.closed, 30_000, 'the stuck client finding its connection closed');
      const received = reader.packets.length;
      await pollUntil(
        () => (reader.packets.length > received + 100 ? true : undefined),
        'the other client still receives',
      );
      const gaps = reader.packets.slice(1).filter((p, i) => p.seq !== ((reader.packets[i]!.seq + 1) & 0xffff));
      assert.deepEqual(gaps, [], 'the other client lost nothing');
    } finally {
      stuck.close();
      reader.close();
    }
  });

  it('drops a UDP client that sends no keep-alive once its session times out (clientTimeoutS)', async () => {
    const droppedBefore = rtsp().dropped_clients;
    const rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve));
    let received = 0;
    rtp.on('message', () => received++);
    const client = await RtspClient.connect(port, USER, PASSWORD);
    try {
      await client.play(url('/sample', ''), rtp.address().port);
      await pollUntil(() => (received > 10 ? true : undefined), 'RTP over UDP');
      await within(client.closed, (CLIENT_TIMEOUT_S + 60) * 1000, 'the server closing the silent UDP client');
      assert.equal(rtsp().dropped_clients, droppedBefore + 1, 'counted as dropped');
    } finally {
      client.close();
      rtp.close();
    }
  });

  it('serves 10 RTSP clients (9 not decoding) and a WebRTC viewer with the encoders of one client', async () => {
    const camera = ctx.server.cameras.get('sample')!;
    const encoders = (): number | undefined => camera.supervisor.stats?.encoders;
    const one = await RtspClient.connect(port, USER, PASSWORD);
    const copies: Awaited<ReturnType<typeof startProcess>>[] = [];
    const viewer = new WeriftTestClient();
    try {
      await one.play(url('/sample', ''));
      await pollUntil(() => (one.packets.length > 50 ? true : undefined), 'RTP at one client');
      const withOne = await pollUntil(() => encoders(), 'camerad stats');
      const pid = camera.status().pid;
      for (let i = 0; i < 9; i++) {
        const [command, args] =
          i % 2 === 0
            ? ['ffmpeg', ['-nostats', '-rtsp_transport', 'tcp', '-i', url('/sample'), '-c', 'copy', '-f', 'null', '-']]
            : ['gst-launch-1.0', ['rtspsrc', `location=${url('/sample')}`, '!', 'fakesink']];
        copies.push(await startProcess(`rtsp-copy-${i}`, command as string, args as string[], { cwd: projectRoot() }));
      }
      const res = await fetch(`${ctx.url}/whep/sample`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: await viewer.createOffer(),
      });
      assert.equal(res.status, 201);
      await viewer.setAnswer(await res.text());
      await pollUntil(
        () => (rtsp().mounts.find((m) => m.camera === 'sample')!.clients >= 10 ? true : undefined),
        '10 RTSP clients play',
        30_000,
      );
      await pollUntil(() => (viewer.packets.length > 20 ? true : undefined), 'RTP at the WebRTC viewer');
      const stats = camera.supervisor.stats!;
      await pollUntil(() => (camera.supervisor.stats !== stats ? true : undefined), 'fresh camerad stats');
      assert.equal(encoders(), withOne, 'camerad encodes as often as with one client');
      assert.equal(camera.status().pid, pid, 'the same camerad');
    } finally {
      one.close();
      await viewer.close();
      await Promise.all(copies.map((c) => stopGroup(c)));
    }
  });

  it('passes on only the server’s RTP: packets another local process sends to the RTSP port never reach a client', async () => {
    const client = await RtspClient.connect(port, USER, PASSWORD);
    const forger = createSocket('udp4');
    try {
      await client.play(url('/sample', ''));
      await pollUntil(() => (client.packets.length > 10 ? true : undefined), 'RTP');
      // An RTP header (RFC 3550 §5.1) with SSRC 0xBADBAD00 and a payload, sent to the camera's forward port.
      const forged = Buffer.alloc(200);
      forged.writeUInt8(0x80, 0);
      forged.writeUInt8(96, 1);
      forged.writeUInt32BE(0xbadbad00, 8);
      for (let i = 0; i < 50; i++) {
        forged.writeUInt16BE(i, 2);
        forger.send(forged, RTP_BASE_PORT, '127.0.0.1');
      }
      const seen = client.packets.length;
      await pollUntil(() => (client.packets.length > seen + 100 ? true : undefined), 'more RTP');
      assert.equal(client.packets.filter((p) => p.ssrc === 0xbadbad00).length, 0);
    } finally {
      forger.close();
      client.close();
    }
  });

  it('shows rtspd in /api/status and the rtsp_* metrics (promtool finds no problem), and restarts it when it dies', async () => {
    const client = await RtspClient.connect(port, USER, PASSWORD);
    try {
      await client.play(url('/sample', ''));
      await pollUntil(
        () => (rtsp().mounts.find((m) => m.camera === 'sample')?.clients === 1 ? true : undefined),
        'one client playing',
      );
      const status = (await (await fetch(`${ctx.url}/api/status`)).json()) as { outputs: { rtsp: RtspStatus } };
      assert.equal(status.outputs.rtsp.state, 'running');
      assert.deepEqual(status.outputs.rtsp.mounts, [{ camera: 'sample', path: '/sample', clients: 1 }]);
      assert.doesNotMatch(JSON.stringify(status), new RegExp(PASSWORD));
      const metrics = await (await fetch(`${ctx.url}/metrics`)).text();
      assert.match(metrics, /^rtsp_up 1$/m);
      assert.ok(logLines.length > 0 && !JSON.stringify(logLines).includes(PASSWORD), 'no RTSP password in the log');
      assert.match(metrics, /^rtsp_clients\{camera="sample"\} 1$/m);
      assert.match(metrics, new RegExp(`^rtsp_pending_connections ${status.outputs.rtsp.pending_clients}$`, 'm'));
      assert.match(metrics, new RegExp(`^rtsp_refused_clients_total ${status.outputs.rtsp.refused_clients}$`, 'm'));
      assert.match(metrics, new RegExp(`^rtsp_dropped_clients_total ${status.outputs.rtsp.dropped_clients}$`, 'm'));
      assert.deepEqual(promtool(metrics), { status: 0, output: '' }, 'promtool finds no problem');
    } finally {
      client.close();
    }
    // rtspd killed: restarted with backoff, serving again on the same port.
    const pid = rtsp().pid!;
    process.kill(pid, 'SIGKILL');
    await pollUntil(
      () => (rtsp().state === 'running' && rtsp().pid !== pid && rtsp().restarts >= 1 ? true : undefined),
      'rtspd restarted',
    );
    const again = await RtspClient.connect(rtsp().port!, USER, PASSWORD);
    try {
      await again.play(url('/sample', ''));
      await pollUntil(() => (again.packets.length > 10 ? true : undefined), 'RTP after the restart');
    } finally {
      again.close();
    }
  });

  it('rejects RTSP enabled without users, or with RTP ports a camera uses, naming the setting', () => {
    rejectsConfig(
      () => loadConfig(projectRoot(), undefined, { ECS_OUTPUTS__RTSP__ENABLED: 'true' }),
      'outputs.rtsp.users',
      /at least one user/,
    );
    rejectsConfig(
      () =>
        loadConfig(projectRoot(), undefined, {
          ECS_OUTPUTS__RTSP__ENABLED: 'true',
          ECS_OUTPUTS__RTSP__USERS: JSON.stringify([{ name: USER, password: PASSWORD }]),
          ECS_OUTPUTS__RTSP__RTP_BASE_PORT: '5004',
        }),
      'outputs.rtsp.rtpBasePort',
      /overlap camera "sample"/,
    );
  });
});
