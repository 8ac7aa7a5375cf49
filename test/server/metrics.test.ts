import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../helpers/browser.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { Prometheus } from '../helpers/Prometheus.js';
import { rejectsConfig } from '../helpers/configRejects.js';
import { loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import { startTestServer } from '../helpers/testServer.js';
import { MetricsService } from '../../server/metrics/MetricsService.js';

const VIEWER = 'metrics-test-viewer-token-0123456789';
const METRICS = 'metrics-test-scraper-token-0123456789abcdef';

/**
 * Prometheus metrics on the real server: who may read `/metrics`, what it holds (cameras,
 * analyzers, HTTP by route template), bounded labels, and Debian's Prometheus scraping it with
 * the metrics token.
 */
describe('Prometheus metrics at /metrics', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let prometheus: Prometheus | undefined;

  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: VIEWER,
      ECS_SERVER__METRICS_TOKEN: METRICS,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 15, analyzers: [{ type: 'sky', fps: 5 }] },
      ]),
    });
  });
  after(async () => {
    await prometheus?.close();
    await ctx?.close();
  });

  const get = (path: string, token?: string) =>
    fetch(`${ctx.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs a viewer token or the metrics token; the metrics token opens nothing else', async () => {
    assert.equal((await get('/metrics')).status, 401);
    assert.equal((await get('/metrics', 'not-a-token-of-this-server-0123456789')).status, 401);
    const scraped = await get('/metrics', METRICS);
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers.get('content-type') ?? '', /text\/plain/);
    assert.equal((await get('/metrics', VIEWER)).status, 200);
    for (const path of ['/api/status', '/api/analysis/status', '/api/gesture/current']) {
      assert.equal((await get(path, METRICS)).status, 403, `${path} with the metrics token`);
    }
    assert.equal(
      (await get('/metrics?token=' + METRICS)).status,
      401,
      'the metrics token is never read from the query',
    );
  });

  it('counts frames, analysis and HTTP by route template; a path a caller chooses is never a label', async () => {
    await get('/api/status', VIEWER);
    await get('/api/cameras/cam/viewers', VIEWER);
    await get('/api/cameras/no-such-camera-0123456789abcdef/viewers', VIEWER);
    await get('/no/such/path/secret-looking-id-42', VIEWER);
    const text = await pollUntil(
      async () => (await get('/metrics', METRICS)).text(),
      (t) =>
        /analysis_frames_total\{camera="cam",analyzer="sky"\} [1-9]/.test(t) &&
        /camera_frames_out_total\{camera="cam"\} [1-9]/.test(t) &&
        /camera_fps\{camera="cam"\} [1-9]/.test(t),
      30_000,
      'frames out and sky analysis frames counted',
    );
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    assert.ok(value(/camera_frames_out_total\{camera="cam"\} (\d+)/) > 0, 'frames out');
    assert.ok(value(/camera_fps\{camera="cam"\} ([\d.]+)/) > 0, 'fps');
    assert.equal(value(/camera_source_live\{camera="cam"\} (\d)/), 1);
    assert.match(text, /camera_viewers\{camera="cam",transport="webrtc"\} 0/);
    assert.match(text, /camera_viewers\{camera="cam",transport="websocket"\} 0/);
    assert.match(text, /http_requests_total\{method="GET",route="\/api\/status",status="200"\} 1/);
    assert.match(text, /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/status"\}/);
    assert.match(text, /route="\/api\/cameras\/:camera\/viewers",status="200"\} 1/, 'the template, not the id');
    assert.match(text, /route="\/api\/cameras\/:camera\/viewers",status="404"\} 1/, 'an unknown camera too');
    assert.match(text, /route="unmatched",status="404"/);
    assert.doesNotMatch(text, /secret-looking-id|0123456789abcdef/, 'no path a caller chose');
    assert.match(text, /process_resident_memory_bytes \d+/);
    assert.match(text, /nodejs_eventloop_lag_seconds /);
    for (const line of text.split('\n').filter((l) => l.startsWith('camera_frames_out_total'))) {
      assert.match(line, /^camera_frames_out_total\{camera="cam"\} \d+$/);
    }
  });

  it('the metrics token must be its own: not a viewer or the admin token, and long enough', () => {
    const load = (env: Record<string, string>) => () =>
      loadConfig(projectRoot(), undefined, { ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/', ...env });
    rejectsConfig(
      load({ ECS_SERVER__TOKEN: VIEWER, ECS_SERVER__METRICS_TOKEN: VIEWER }),
      'server.metricsToken',
      /differ/,
    );
    rejectsConfig(
      load({ ECS_SERVER__ADMIN_TOKEN: METRICS, ECS_SERVER__METRICS_TOKEN: METRICS }),
      'server.metricsToken',
      /differ/,
    );
    rejectsConfig(load({ ECS_SERVER__METRICS_TOKEN: 'short' }), 'server.metricsToken', /32/);
  });

  it('the first scrape already holds the figures (sources are read before anything is written out)', async () => {
    // Fixed figures in the shapes the server's parts report: what is checked is the order of reading and writing.
    const status = { ...ctx.server.cameras.get('cam')!.status(), frames_out: 1234, keyframes: 56, fps: 15 };
    const service = new MetricsService(
      {
        cameraIds: ['cam'],
        cameraStatus: () => status,
        webrtcViewers: () => [],
        websocketViewers: () => [],
        analysis: () => ({
          cameras: [
            {
              id: 'cam',
              fps: 5,
              analyzers: [
                {
                  type: 'sky',
                  provider: 'typescript',
                  fps: 5,
                  achievedFps: 4.8,
                  frames: 77,
                  dropped: 3,
                  msMedian: 2,
                  detections: 1,
                },
              ],
            },
          ],
          unavailable: [],
        }),
        rtmp: () => [],
      },
      { processMetrics: false },
    );
    const { body } = await service.scrape();
    assert.match(body, /camera_frames_out_total\{camera="cam"\} 1234/);
    assert.match(body, /camera_keyframes_total\{camera="cam"\} 56/);
    assert.match(body, /camera_fps\{camera="cam"\} 15/);
    assert.match(body, /analysis_frames_total\{camera="cam",analyzer="sky"\} 77/);
    assert.match(body, /analysis_dropped_frames_total\{camera="cam",analyzer="sky"\} 3/);
    // A total that went down (camerad restarted) counts on from zero: the counter never decreases.
    status.frames_out = 10;
    assert.match((await service.scrape()).body, /camera_frames_out_total\{camera="cam"\} 1244/);
  });

  it('Debian’s Prometheus scrapes it with the metrics token', async () => {
    const address = new URL(ctx.url).host;
    prometheus = await Prometheus.start([{ job: 'camserver', target: address, bearer: METRICS }]);
    const up = await pollUntil(
      () => prometheus!.query('up{job="camserver"}'),
      (r) => r[0]?.value === 1,
      30_000,
      'the target up',
    );
    assert.equal(up[0]!.metric.instance, address);
    const rate = await pollUntil(
      () => prometheus!.query('rate(camera_frames_out_total{camera="cam"}[10s])'),
      (r) => (r[0]?.value ?? 0) > 1,
      30_000,
      'a frame rate from two scrapes',
    );
    console.log({ framesPerSecond: rate[0]!.value });
    assert.ok(rate[0]!.value < 30, `rate ${rate[0]!.value} frames/s for a 15 fps camera`);
  });
});
