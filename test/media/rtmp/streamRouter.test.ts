import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Router from '@koa/router';
import pino from 'pino';
import { createRtmp, type Rtmp } from '../../../media/rtmp/createRtmp.js';
import { livepeerSchema } from '../../../media/rtmp/livepeerConfig.js';
import { streamPaths } from '../../../server/http/openapiStream.js';
import { streamRouter } from '../../../server/http/routers/streamRouter.js';
import { type GuardedApp, guardedApp } from '../../helpers/guardedApp.js';
import { ScriptedCamera } from './scriptedCamera.js';

const KEY = 'router-test-key-42';
const TOKEN = 'router-test-admin-token-0123456789abcdef';

/** The stream routes behind the production access gate, with `TOKEN` as the admin token (and a viewer token set). */
function serve(rtmp: Rtmp, logger: pino.Logger): Promise<GuardedApp> {
  const router = streamRouter({ rtmp, cameraIds: [...rtmp.egresses.keys()] });
  return guardedApp([router], { server: { adminToken: TOKEN, token: 'a-viewer-token-0123456789' } }, logger);
}

describe('stream routes (scripted camerad)', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const cams = new Map([
    ['cam', new ScriptedCamera('cam')],
    ['other', new ScriptedCamera('other')],
  ]);
  const rtmp = createRtmp({
    cameras: cams,
    config: livepeerSchema.parse({ ingestUrl: 'rtmp://127.0.0.1:1/live', streamKey: KEY, playbackId: 'abc123' }),
    logger,
    events: { emitCamera: () => undefined },
  });
  const unconfigured = createRtmp({
    cameras: new Map([['cam', new ScriptedCamera()]]),
    config: livepeerSchema.parse({}),
    logger,
    events: { emitCamera: () => undefined },
  });
  let a: GuardedApp;
  let b: GuardedApp;
  const bodies: string[] = [];
  const call = async (
    base: string,
    method: string,
    path: string,
    opts: { body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const token = opts.token === undefined ? TOKEN : opts.token;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  };

  before(async () => {
    a = await serve(rtmp, logger);
    b = await serve(unconfigured, logger);
  });
  after(async () => {
    await rtmp.close();
    await unconfigured.close();
    for (const s of [a, b]) await s?.close();
  });

  it('start, start again (409), status, stop, stop again (409), without ever showing the key', async () => {
    const started = await call(a.url, 'POST', '/api/stream/livepeer/start');
    assert.equal(started.status, 200, JSON.stringify(started.json));
    assert.equal(started.json.camera, 'cam');
    assert.equal(started.json.state, 'connecting');
    assert.equal(started.json.ingest_host, '127.0.0.1:1');
    assert.equal(cams.get('cam')!.calls[0], `start rtmp://127.0.0.1:1/live/${KEY}`, 'camerad gets the full URL');

    const again = await call(a.url, 'POST', '/api/stream/livepeer/start', { body: {} });
    assert.equal(again.status, 409);
    assert.match(String(again.json.error), /already streaming.*stop/);

    cams
      .get('cam')!
      .send({ state: 'failed', bytes_sent: 0, error: `Failed to connect to rtmp://127.0.0.1:1/live/${KEY}` });
    const status = await call(a.url, 'GET', '/api/stream/status');
    assert.equal(status.status, 200);
    assert.equal(status.json.configured, true);
    assert.equal(status.json.ingest_host, '127.0.0.1:1');
    assert.deepEqual(status.json.playback, {
      playback_id: 'abc123',
      hls: 'https://livepeercdn.studio/hls/abc123/index.m3u8',
      player: 'https://lvpr.tv/?v=abc123',
    });
    const streams = status.json.streams as { camera: string; state: string; last_error: string }[];
    assert.deepEqual(
      streams.map((s) => [s.camera, s.state]),
      [
        ['cam', 'reconnecting'],
        ['other', 'off'],
      ],
    );
    assert.equal(streams[0]!.last_error, 'Failed to connect to rtmp://127.0.0.1:1/live/***');

    const otherStop = await call(a.url, 'POST', '/api/stream/livepeer/stop', { body: { camera: 'other' } });
    assert.equal(otherStop.status, 409);
    assert.match(String(otherStop.json.error), /not streaming/);
    const stopped = await call(a.url, 'POST', '/api/stream/livepeer/stop');
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    assert.equal(stopped.json.state, 'off');
    assert.equal((await call(a.url, 'POST', '/api/stream/livepeer/stop')).status, 409);

    for (const text of [...bodies, ...lines]) assert.ok(!text.includes(KEY), `key shown in: ${text}`);
  });

  it('refuses bad input with a message naming the field', async () => {
    const noKey = await call(b.url, 'POST', '/api/stream/livepeer/start');
    assert.equal(noKey.status, 422);
    assert.equal(noKey.json.field, 'livepeer.streamKey');
    assert.match(String(noKey.json.error), /livepeer\.streamKey/);
    const unknown = await call(a.url, 'POST', '/api/stream/livepeer/start', { body: { camera: 'nope' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.field, 'camera');
    const extra = await call(a.url, 'POST', '/api/stream/livepeer/start', { body: { url: 'rtmp://evil/live/x' } });
    assert.equal(extra.status, 400);
    const anonymous = await call(a.url, 'POST', '/api/stream/livepeer/start', { token: null });
    assert.equal(anonymous.status, 401);
    const wrong = await call(a.url, 'GET', '/api/stream/status', { token: 'wrong' });
    assert.equal(wrong.status, 401);
    const unconfiguredStatus = await call(b.url, 'GET', '/api/stream/status');
    assert.equal(unconfiguredStatus.json.configured, false);
    assert.equal(unconfiguredStatus.json.ingest_host, 'rtmp.livepeer.com');
    assert.equal(unconfiguredStatus.json.playback, null);
    assert.equal(cams.get('other')!.calls.length, 0, 'nothing was started by refused requests');
  });

  it('the OpenAPI parts describe exactly the routes served', () => {
    const router: Router = streamRouter({ rtmp, cameraIds: ['cam'] });
    const served = router.stack
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`))
      .sort();
    const documented = Object.entries(streamPaths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(served, documented);
  });
});
