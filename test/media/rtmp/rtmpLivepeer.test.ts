import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import pino from 'pino';
import { io, type Socket } from 'socket.io-client';
import { loadConfig } from '../../../server/config/loadConfig.js';
import { projectRoot } from '../../../server/config/projectRoot.js';
import type { ServerToClientEvents, StreamStateEvent } from '../../../server/events/EventCatalogue.js';
import { Server } from '../../../server/Server.js';
import { freeTcpPort, freeUdpPort } from '../../helpers/freePort.js';
import { pulledSize } from '../../helpers/rtmpPull.js';
import { startRtmpServer } from '../../helpers/rtmpServer.js';
import { WalletFlow } from '../../helpers/walletFlow.js';

const TOKEN = 'rtmp-test-admin-token-0123456789abcdef';

interface StreamStatus {
  camera: string;
  state: 'off' | 'connecting' | 'live' | 'reconnecting';
  ingest_host: string | null;
  bytes_sent: number;
  uptime_ms: number | null;
  reconnects: number;
  recoveries: number;
  last_error: string | null;
  next_retry_ms: number | null;
}

interface CameraStatus {
  id: string;
  state: string;
  frames_out: number;
  pid: number | null;
  restarts: number;
}

/**
 * The real server in-process (spawn mode, the real camerad) with every log line kept: the same
 * as test/helpers/testServer.ts, with a logger whose output the test reads (debug level, so
 * camerad's stderr and every egress line are in it).
 */
async function startLoggedServer(env: Record<string, string>): Promise<{
  url: string;
  logs: string[];
  close: () => Promise<void>;
}> {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ecs-rtmp-'));
  const config = loadConfig(projectRoot(), undefined, {
    ECS_SERVER__PORT: '0',
    ECS_SERVER__ADMIN_TOKEN: TOKEN,
    ECS_CAMERAD__RUNTIME_DIR: runtimeDir,
    ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
    ECS_VISION__ENABLED: 'false',
    ECS_STORAGE__DATA_DIR: join(runtimeDir, 'state'),
    ...env,
  });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const server = await Server.create(config, logger);
  return {
    url: `http://127.0.0.1:${server.port}`,
    logs,
    close: async () => {
      await server.close();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call; every response body is kept for the stream key check. */
function client(base: () => string, seen: string[]) {
  return async (
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const token = opts.token === undefined ? TOKEN : opts.token;
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  };
}

/** Polls `read` every 200 ms until `ok` holds. @throws with the last value after `timeoutMs`. */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** socket.io `stream:state` events of camera `cam`, anonymous (they are public). */
function listen(url: string, events: StreamStateEvent[]): Promise<Socket<ServerToClientEvents>> {
  return new Promise((resolve, reject) => {
    const socket: Socket<ServerToClientEvents> = io(url, {
      auth: { cameraId: 'cam' },
      transports: ['websocket'],
      reconnection: false,
    });
    socket.on('stream:state', (event) => events.push(event));
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Asserts that no text shows the key, in any form a log or a client could carry it. */
function assertNoKey(key: string, texts: string[], where: string): void {
  const forms = [key, encodeURIComponent(key)];
  for (const text of texts) {
    for (const form of forms) assert.ok(!text.includes(form), `${where} shows the stream key: ${text.slice(0, 500)}`);
  }
}

describe('Livepeer egress to a real RTMP server', { timeout: 300_000 }, () => {
  const KEY = 'sk-rtmp-live-7c1d2a9f3b';
  let ingest: Awaited<ReturnType<typeof startRtmpServer>>;
  let ctx: Awaited<ReturnType<typeof startLoggedServer>>;
  let socket: Socket<ServerToClientEvents> | undefined;
  const responses: string[] = [];
  const events: StreamStateEvent[] = [];
  const api = client(() => ctx.url, responses);
  const stream = async (): Promise<StreamStatus> => {
    const { json } = await api('GET', '/api/stream/status');
    return (json.streams as StreamStatus[]).find((s) => s.camera === 'cam')!;
  };
  const camera = async (): Promise<CameraStatus> => {
    const { json } = await api('GET', '/api/status');
    return (json.cameras as CameraStatus[]).find((c) => c.id === 'cam')!;
  };

  const gstDebug = { GST_DEBUG: process.env.GST_DEBUG, GST_DEBUG_NO_COLOR: process.env.GST_DEBUG_NO_COLOR };

  before(async () => {
    ingest = await startRtmpServer();
    // GStreamer's own log (camerad's stderr; camerad inherits the environment) quotes the stream
    // key ("Sending publish for '<key>' on stream 1"): the server must still never log it.
    process.env.GST_DEBUG = 'rtmpclient:5';
    process.env.GST_DEBUG_NO_COLOR = '1';
    ctx = await startLoggedServer({
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 640, height: 360, fps: 15, bitrateKbps: 600, keyframeInterval: 15 },
      ]),
      ECS_LIVEPEER__INGEST_URL: `rtmp://127.0.0.1:${ingest.port}/live`,
      ECS_LIVEPEER__STREAM_KEY: KEY,
      ECS_LIVEPEER__PLAYBACK_ID: 'playback0test',
      ECS_LIVEPEER__BACKOFF_INITIAL_MS: '500',
      ECS_LIVEPEER__BACKOFF_MAX_MS: '2000',
    });
    await until('camerad running', camera, (c) => c.state === 'running' && c.frames_out > 0, 60_000);
    socket = await listen(ctx.url, events);
  });

  after(async () => {
    socket?.disconnect();
    await ctx?.close();
    await ingest?.close();
    for (const [name, value] of Object.entries(gstDebug)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('publishes the configured size, rides out a 10 s ingest outage and a camerad restart', async (t) => {
    const started = await api('POST', '/api/stream/livepeer/start');
    assert.equal(started.status, 200, JSON.stringify(started.json));
    assert.equal(started.json.state, 'connecting');
    assert.equal(started.json.ingest_host, `127.0.0.1:${ingest.port}`);
    assert.equal(
      (started.json.playback as { hls: string }).hls,
      'https://livepeercdn.studio/hls/playback0test/index.m3u8',
    );

    await until('live', stream, (s) => s.state === 'live', 30_000);
    assert.deepEqual(await pulledSize(ingest.url('live', KEY)), { width: 640, height: 360 });
    const live = await until('bytes sent', stream, (s) => s.bytes_sent > 10_000, 10_000);
    assert.equal(live.reconnects, 0);
    assert.ok((live.uptime_ms ?? 0) > 0);

    // Outage: the ingest goes away for 10 s and comes back on the same port.
    const outageAt = Date.now();
    await ingest.stop();
    const lost = await until('reconnecting', stream, (s) => s.state === 'reconnecting', 20_000);
    assert.ok(lost.last_error, 'the status says why');
    t.diagnostic(`outage noticed after ${Date.now() - outageAt} ms: ${lost.last_error}`);
    await sleep(Math.max(0, 10_000 - (Date.now() - outageAt)));
    const during = await stream();
    assert.equal(during.state, 'reconnecting', 'still down while the ingest is');
    assert.ok(during.reconnects >= 2, `retried during the outage (reconnects ${during.reconnects})`);
    await ingest.start();
    const back = await until('live again', stream, (s) => s.state === 'live' && s.recoveries >= 1, 30_000);
    assert.ok(back.reconnects >= 1);
    assert.ok(back.bytes_sent > live.bytes_sent);
    t.diagnostic(`live again ${Date.now() - outageAt} ms after the outage began, ${back.reconnects} reconnects`);
    assert.deepEqual(await pulledSize(ingest.url('live', KEY)), { width: 640, height: 360 });
    const states = events.map((e) => e.state);
    const reconnectingAt = states.indexOf('reconnecting');
    assert.ok(reconnectingAt > 0 && states.indexOf('live', reconnectingAt) > reconnectingAt, states.join(','));
    assert.ok(events.some((e) => e.state === 'reconnecting' && e.retryInMs !== null && e.reconnects >= 1));

    // A camerad restart ends the branch silently: the egress starts it again on the new hello.
    const before = await camera();
    assert.ok(before.pid);
    process.kill(before.pid, 'SIGKILL');
    await until('camerad restarted', camera, (c) => c.restarts > before.restarts && c.state === 'running', 30_000);
    const restarted = await until(
      'live after the camerad restart',
      stream,
      (s) => s.state === 'live' && s.recoveries >= 2,
      30_000,
    );
    assert.ok(restarted.reconnects > back.reconnects);
    assert.ok(
      events.some((e) => e.state === 'reconnecting' && /camerad restarted/.test(e.error ?? '')),
      'the events say the camerad restart ended the stream',
    );
    t.diagnostic(`events: ${events.map((e) => e.state).join(' ')}`);
    assert.deepEqual(await pulledSize(ingest.url('live', KEY)), { width: 640, height: 360 });

    const stopped = await api('POST', '/api/stream/livepeer/stop');
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    assert.equal(stopped.json.state, 'off');
    assert.equal((await api('POST', '/api/stream/livepeer/stop')).status, 409);
    await sleep(500);
    assert.equal(events.at(-1)?.state, 'off');

    const quoting = ctx.logs.filter((line) => line.includes("Sending publish for '***'"));
    assert.ok(quoting.length >= 3, `GStreamer's lines quoting the key reached the log redacted (${quoting.length})`);
    t.diagnostic(`e.g. ${JSON.parse(quoting[0]!).msg}`);
    assertNoKey(KEY, ctx.logs, 'the server log');
    assertNoKey(KEY, responses, 'an API response');
    assertNoKey(
      KEY,
      events.map((e) => JSON.stringify(e)),
      'a stream:state event',
    );
  });
});

describe('Livepeer egress to a closed port, and bad requests', { timeout: 180_000 }, () => {
  const KEY = 'sk-rtmp-closed-5e6f7a8b9c';
  let ctx: Awaited<ReturnType<typeof startLoggedServer>>;
  let closedPort = 0;
  let flow: WalletFlow;
  const responses: string[] = [];
  const api = client(() => ctx.url, responses);
  const stream = async (): Promise<StreamStatus> => {
    const { json } = await api('GET', '/api/stream/status');
    return (json.streams as StreamStatus[]).find((s) => s.camera === 'cam')!;
  };
  const camera = async (): Promise<CameraStatus> => {
    const { json } = await api('GET', '/api/status');
    return (json.cameras as CameraStatus[]).find((c) => c.id === 'cam')!;
  };

  before(async () => {
    closedPort = await freeTcpPort();
    ctx = await startLoggedServer({
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_LIVEPEER__INGEST_URL: `rtmp://127.0.0.1:${closedPort}/live`,
      ECS_LIVEPEER__STREAM_KEY: KEY,
      ECS_LIVEPEER__BACKOFF_INITIAL_MS: '300',
      ECS_LIVEPEER__BACKOFF_MAX_MS: '1000',
    });
    flow = new WalletFlow(ctx.url);
    await until('camerad running', camera, (c) => c.state === 'running' && c.frames_out > 0, 60_000);
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
  });

  it('needs the operator: 401 without credentials, 403 for a user session', async () => {
    const anonymous = await api('POST', '/api/stream/livepeer/start', { token: null });
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.json.error);
    const { token } = await flow.signIn(Keypair.generate());
    const user = await api('POST', '/api/stream/livepeer/start', { token });
    assert.equal(user.status, 403, JSON.stringify(user.json));
    assert.match(String(user.json.error), /operator/);
    assert.equal((await api('POST', '/api/stream/livepeer/stop', { token })).status, 403);
    assert.equal((await stream()).state, 'off', 'nothing started');
  });

  it('stop without start is 409; a closed port gives a clear error state and nothing else stops', async (t) => {
    const stopFirst = await api('POST', '/api/stream/livepeer/stop');
    assert.equal(stopFirst.status, 409);
    assert.match(String(stopFirst.json.error), /not streaming/);

    const framesBefore = (await camera()).frames_out;
    const started = await api('POST', '/api/stream/livepeer/start', { body: { camera: 'cam' } });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const failing = await until(
      'the refused connection in the status',
      stream,
      (s) => s.state === 'reconnecting' && s.last_error !== null && s.reconnects >= 2,
      30_000,
    );
    assert.equal(failing.ingest_host, `127.0.0.1:${closedPort}`);
    assert.ok(failing.last_error!.length > 10, `a message: ${failing.last_error}`);
    t.diagnostic(`closed port: ${failing.last_error}`);

    const twice = await api('POST', '/api/stream/livepeer/start');
    assert.equal(twice.status, 409);
    assert.match(String(twice.json.error), /already streaming/);

    // The camera goes on: camerad running, frames encoded.
    await sleep(1500);
    const cam = await camera();
    assert.equal(cam.state, 'running');
    assert.equal(cam.restarts, 0);
    assert.ok(cam.frames_out > framesBefore + 10, `frames ${framesBefore} → ${cam.frames_out}`);

    const stopped = await api('POST', '/api/stream/livepeer/stop');
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    const after = await stream();
    assert.equal(after.state, 'off');
    await sleep(1500);
    assert.equal((await stream()).reconnects, after.reconnects, 'no attempt after stop');

    // camerad quotes the URL it connects to: it reached the log redacted, never with the key.
    const masked = `rtmp://127.0.0.1:${closedPort}/live/***`;
    assert.ok(
      ctx.logs.some((line) => line.includes(masked)),
      `a log line quotes the redacted URL ${masked}`,
    );
    assertNoKey(KEY, ctx.logs, 'the server log');
    assertNoKey(KEY, responses, 'an API response');
  });
});
