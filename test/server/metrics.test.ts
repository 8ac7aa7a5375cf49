import assert from 'node:assert/strict';
import type { ViewerInfo } from '../../media/sfu/SfuTypes.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pollUntil } from '../helpers/browser.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { Prometheus, promtool } from '../helpers/Prometheus.js';
import { rejectsConfig } from '../helpers/configRejects.js';
import { loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import { startTestServer } from '../helpers/testServer.js';
import { MetricsService } from '../../server/metrics/MetricsService.js';
import { ChainMetrics } from '../../server/metrics/ChainMetrics.js';
import { RecordingMetrics } from '../../server/metrics/RecordingMetrics.js';
import type { ChainWatcherStats } from '../../server/chain/ChainWatcher.js';
import { Keypair } from '@solana/web3.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';
import { MjpegTestClient } from '../media/mjpeg/MjpegTestClient.js';

const VIEWER = 'metrics-test-viewer-token-0123456789';

const METRICS = 'metrics-test-scraper-token-0123456789abcdef';

/**
 * Prometheus metrics on the real server: who may read `/metrics`, what it holds (cameras,
 * analyzers, HTTP by route template), bounded labels, and Debian's Prometheus scraping it with
 * the metrics token.
 */
describe('Prometheus metrics at /metrics', { timeout: 180_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let prometheus: Prometheus | undefined;
  let viewer: WeriftTestClient | undefined;
  let mjpeg: MjpegTestClient | undefined;

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
    mjpeg?.close();
    await viewer?.close();
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
    const viewer = (id: string, packetsSent: number) =>
      ({ id, packetsSent, retransmits: 0, skippedPackets: 0, plis: 0 }) as unknown as ViewerInfo;
    let webrtc = [viewer('a', 1000), viewer('b', 1000)];
    const service = new MetricsService(
      {
        cameraIds: ['cam'],
        cameraStatus: () => status,
        webrtcViewers: () => webrtc,
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
    // Per-viewer totals: a viewer that leaves takes nothing back, the one that stays adds its 100.
    assert.match(body, /webrtc_packets_sent_total\{camera="cam"\} 2000/);
    webrtc = [viewer('b', 1100)];
    assert.match((await service.scrape()).body, /webrtc_packets_sent_total\{camera="cam"\} 2100/);
    webrtc = [viewer('b', 1150), viewer('c', 50)];
    assert.match((await service.scrape()).body, /webrtc_packets_sent_total\{camera="cam"\} 2200/);
  });

  it('Debian’s Prometheus scrapes it for 30 s while a viewer plays: fps, viewers, HTTP rate, the outputs; no token, no scrape; promtool finds no problem', async (t) => {
    const camera = ctx.server.cameras.get('cam')!;
    await camera.supervisor.waitRunning(30_000);
    // 1. A WebRTC viewer, an MJPEG client, a recording in progress and a biometric purge: real parts.
    viewer = new WeriftTestClient();
    const offer = await viewer.createOffer();
    const answer = await fetch(`${ctx.url}/whep/cam`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${VIEWER}` },
      body: offer,
    });
    assert.equal(answer.status, 201);
    await viewer.setAnswer(await answer.text());
    await waitFor(() => viewer!.packets.length > 10, 30_000, 'RTP at the viewer');
    mjpeg = new MjpegTestClient(`${ctx.url}/mjpeg-stream?camera=cam`, {
      headers: { authorization: `Bearer ${VIEWER}` },
      keepParts: false,
    });
    await mjpeg.responded();
    assert.equal(mjpeg.status, 200);
    const recordings = ctx.server.outputs.capture.recordings;
    await recordings.start('cam', { wallet: null, operator: true });
    const vault = ctx.server.identity.vault;
    const wallet = Keypair.generate().publicKey.toBase58();
    vault.put(wallet, 'embedding', new Uint8Array(2048).fill(7), { actor: 'system:metrics-test' });
    vault.purge(wallet, { actor: 'system:metrics-test', reason: 'metrics test' });

    // 2. Prometheus: one job with the metrics token, one without credentials.
    const address = new URL(ctx.url).host;
    prometheus = await Prometheus.start([
      { job: 'camserver', target: address, bearer: METRICS },
      { job: 'anonymous', target: address },
    ]);
    // 3. 30 scrapes (one a second) while the viewer plays; /api/status read meanwhile (its fps, and HTTP traffic).
    const statusFps: number[] = [];
    await pollUntil(
      async () => {
        const status = (await (await get('/api/status', VIEWER)).json()) as { cameras: { id: string; fps: number }[] };
        statusFps.push(status.cameras.find((c) => c.id === 'cam')!.fps);
        return prometheus!.query('count_over_time(up{job="camserver"}[1m])');
      },
      (r) => (r[0]?.value ?? 0) >= 31,
      90_000,
      '30 s of scrapes',
    );
    const one = async (expr: string): Promise<number> => {
      const result = await prometheus!.query(expr);
      assert.equal(result.length, 1, `${expr}: ${JSON.stringify(result)}`);
      return result[0]!.value;
    };
    // Scrapes with the token succeed (a rare one may time out at 900 ms on a loaded machine).
    const upRatio = await one('avg_over_time(up{job="camserver"}[30s])');
    assert.ok(upRatio >= 0.9, `${upRatio} of the scrapes with the token succeeded`);
    assert.equal(await one('max_over_time(up{job="anonymous"}[30s])'), 0, 'no scrape without the token succeeded');
    assert.equal((await get('/metrics')).status, 401);

    const promFps = await one('avg_over_time(camera_fps{camera="cam"}[30s])');
    const apiFps = statusFps.reduce((a, b) => a + b, 0) / statusFps.length;
    const frameRate = await one('rate(camera_frames_out_total{camera="cam"}[30s])');
    const httpRate = await one('sum(rate(http_requests_total[30s]))');
    const statusRate = await one('sum(rate(http_requests_total{route="/api/status",status="200"}[30s]))');
    t.diagnostic(
      JSON.stringify({ upRatio, promFps, apiFps, statusSamples: statusFps.length, frameRate, httpRate, statusRate }),
    );
    assert.ok(Math.abs(promFps - apiFps) <= 0.05 * apiFps, `fps in Prometheus ${promFps}, in /api/status ${apiFps}`);
    assert.ok(promFps > 10, `a 15 fps camera at ${promFps} fps`);
    assert.ok(httpRate > 0 && statusRate > 0, `HTTP request rates ${httpRate}, ${statusRate} /s`);
    assert.equal(await one('camera_viewers{camera="cam",transport="webrtc"}'), 1);
    assert.ok((await one('webrtc_packets_sent_total{camera="cam"}')) > 0);

    // 4. The outputs' and stores' modules, through Prometheus.
    assert.equal(await one('mjpeg_clients{camera="cam",variant="clean"}'), 1);
    assert.equal(await one('mjpeg_clients{camera="cam",variant="overlays"}'), 0);
    assert.ok((await one('mjpeg_stills_received_total{camera="cam",variant="clean"}')) > 0);
    assert.equal(await one('recording_in_progress{camera="cam"}'), 1);
    assert.ok((await one('recording_written_bytes_total')) > 0, 'the running recording’s bytes');
    assert.equal(await one('biometrics_purges_total{reason="wallet"}'), 1);
    assert.equal(await one('biometrics_purged_items_total{kind="blob"}'), 1);
    assert.equal(await one('biometrics_purged_items_total{kind="key"}'), 1);
    assert.equal(await one('biometrics_held_items{kind="blob"}'), 0);
    assert.ok(mjpeg.count > 0, 'the MJPEG client got frames');

    // 5. promtool on what Prometheus read: no naming problems (it prints nothing and exits 0).
    const text = await (await get('/metrics', METRICS)).text();
    assert.match(text, /^mjpeg_clients\{camera="cam",variant="clean"\} 1$/m);
    const checked = promtool(text);
    assert.deepEqual(checked, { status: 0, output: '' });
    assert.ok((await one('mjpeg_still_encode_seconds{camera="cam"}')) > 0, 'camerad’s still encode time');

    // 6. The Grafana dashboard: every query parses in Prometheus, and names metrics this server
    //    exposes (for families it exposes: a part switched off here, like the chain, is skipped).
    const dashboard = JSON.parse(readFileSync(join(projectRoot(), 'docs/grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) \w+$/gm)].map((m) => m[1]!));
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets ?? []) {
        await prometheus.query(expr.replaceAll('$camera', '.*'));
        for (const [name] of expr.matchAll(/\b[a-z]+_[a-z0-9_]+\b(?!\s*\()/g)) {
          const base = name.replace(/_(bucket|sum|count)$/, '');
          const family = name.split('_')[0]!;
          if (![...exposed].some((e) => e.startsWith(`${family}_`))) continue;
          assert.ok(exposed.has(name) || exposed.has(base), `panel "${panel.title}": ${name} is not exposed`);
        }
      }
    }
    await recordings.stop('cam');
  });

  it('the outputs’ and stores’ modules read their figures at the first scrape; promtool finds no problem in any of them', async () => {
    const now = 1_800_000_000_000;
    const chain: ChainWatcherStats = {
      failedPolls: 3,
      handlerErrors: 1,
      lastSuccessAt: now - 4500,
      createdAt: now - 60_000,
      positionSlot: 1234,
      behindSignatures: 2,
      behindSlots: 7,
    };
    const service = new MetricsService(
      {
        cameraIds: [],
        cameraStatus: () => assert.fail('no camera'),
        webrtcViewers: () => [],
        websocketViewers: () => [],
        analysis: () => ({ cameras: [], unavailable: [] }),
        rtmp: () => [],
      },
      { processMetrics: false },
      [
        new ChainMetrics(
          () => chain,
          () => now,
        ),
        new RecordingMetrics(['cam'], () => ({
          recording: [],
          ended: { complete: 4, interrupted: 1, failed: 2 },
          bytes: 5000,
        })),
      ],
    );
    const { body } = await service.scrape();
    assert.match(body, /^chain_watcher_errors_total\{kind="poll"\} 3$/m);
    assert.match(body, /^chain_watcher_errors_total\{kind="handler"\} 1$/m);
    assert.match(body, /^chain_watcher_last_success_age_seconds 4.5$/m);
    assert.match(body, /^chain_watcher_position_slot 1234$/m);
    assert.match(body, /^chain_watcher_behind_signatures 2$/m);
    assert.match(body, /^chain_watcher_behind_slots 7$/m);
    assert.match(body, /^recording_in_progress\{camera="cam"\} 0$/m);
    assert.match(body, /^recordings_ended_total\{status="failed"\} 2$/m);
    assert.match(body, /^recording_written_bytes_total 5000$/m);
    assert.deepEqual(promtool(body), { status: 0, output: '' });
  });
});
