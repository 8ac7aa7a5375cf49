import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { measureSky } from '../../../server/analysis/sky/SkyAnalyzer.js';
import type { AnalyzerStatus } from '../../../server/analysis/analyzerTypes.js';
import { pollUntil } from '../../helpers/browser.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { PhotoCamera } from '../../helpers/photoCamera.js';
import { startTestServer } from '../../helpers/testServer.js';
import { SKY_BLUE, SKY_CLOUD, skyScene } from './skyScene.js';

const WIDTH = 640;
const HEIGHT = 360;
const ADMIN = 'sky-test-admin-token-0123456789abcdef';
const BLUE = SKY_BLUE;
const CLOUD = SKY_CLOUD;

/** A solid packed RGB image. */
function solid(width: number, height: number, [r, g, b]: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set([r, g, b], i);
  return { width, height, stride: width * 3, data };
}

/** Overlay blue `#40c4ff` (server/analysis/sky/SkyAnalyzer.ts) after YUV 4:2:0, over the white cloud. */
const isSkyBlue = ([r, g, b]: readonly number[]): boolean => r! < 130 && g! > 150 && b! > 200;

describe('sky analyzer (the worked example of docs/analyzers.md)', () => {
  it('measures brightness, colour and cloud cover by the red/blue ratio', () => {
    const clear = measureSky(solid(40, 30, [BLUE.r, BLUE.g, BLUE.b]), [0, 0, 1, 1], 0.6);
    assert.equal(clear.cloudCover, 0);
    assert.equal(clear.color, '#4a90e2');
    assert.ok(Math.abs(clear.brightness - (0.299 * 74 + 0.587 * 144 + 0.114 * 226)) < 0.1);
    assert.equal(measureSky(solid(40, 30, [CLOUD.r, CLOUD.g, CLOUD.b]), [0, 0, 1, 1], 0.6).cloudCover, 1);
    // Night: nothing is bright enough to count; not "all cloud".
    assert.equal(measureSky(solid(40, 30, [5, 5, 8]), [0, 0, 1, 1], 0.6).cloudCover, 0);
    // Half and half, and a region that picks one half.
    const img = solid(40, 30, [BLUE.r, BLUE.g, BLUE.b]);
    for (let y = 0; y < 30; y++)
      for (let x = 20; x < 40; x++) img.data.set([CLOUD.r, CLOUD.g, CLOUD.b], (y * 40 + x) * 3);
    assert.equal(measureSky(img, [0, 0, 1, 1], 0.6).cloudCover, 0.5);
    assert.equal(measureSky(img, [0.5, 0, 0.5, 1], 0.6).cloudCover, 1);
    assert.equal(measureSky(img, [0, 0, 0.5, 0.5], 0.6).cloudCover, 0);
    // A large frame is sampled on a grid, with the same answer.
    const big = solid(1920, 1080, [BLUE.r, BLUE.g, BLUE.b]);
    for (let y = 0; y < 1080; y++) big.data.fill(230, (y * 1920 + 960) * 3, (y * 1920 + 1920) * 3);
    assert.ok(Math.abs(measureSky(big, [0, 0, 1, 1], 0.6).cloudCover - 0.5) < 0.01);
  });

  describe('on a live camera', { timeout: 120_000 }, () => {
    const photos = new PhotoCamera(WIDTH, HEIGHT);
    let ctx: Awaited<ReturnType<typeof startTestServer>>;

    before(async () => {
      photos.showRepeatedly(await skyScene(WIDTH, HEIGHT));
      ctx = await startTestServer({
        ECS_SERVER__ADMIN_TOKEN: ADMIN,
        ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
        ECS_CAMERAS: JSON.stringify([
          { ...photos.camera('roof'), analyzers: [{ type: 'sky', fps: 4, region: [0, 0, 1, 0.3] }] },
        ]),
      });
    });
    after(async () => {
      await ctx?.close();
      photos.close();
    });

    const status = async (): Promise<{
      cameras: { id: string; fps: number; analyzers: AnalyzerStatus[] }[];
      unavailable: unknown[];
      overlays: Record<string, boolean>;
    }> => (await fetch(`${ctx.url}/api/analysis/status`)).json() as never;

    it('reports its reading in /api/analysis/status and outlines the region in the video', async () => {
      const reading = await pollUntil(
        status,
        (s) => (s.cameras[0]?.analyzers[0]?.frames ?? 0) >= 3,
        30_000,
        'three sky readings',
      );
      const camera = reading.cameras[0]!;
      assert.equal(camera.id, 'roof');
      assert.equal(camera.fps, 4, 'camerad is asked for the sky analyzer’s rate');
      assert.deepEqual(reading.unavailable, []);
      const sky = camera.analyzers[0]!;
      assert.equal(sky.type, 'sky');
      assert.equal(sky.provider, 'typescript');
      const summary = sky.summary as { cloudCover: number; brightness: number; color: string };
      console.log({ sky });
      assert.ok(Math.abs(summary.cloudCover - 0.5) <= 0.05, `cloud cover ${summary.cloudCover}`);
      assert.ok(summary.brightness > 150 && summary.brightness < 200, `brightness ${summary.brightness}`);
      assert.match(summary.color, /^#[0-9a-f]{6}$/);

      const cam = ctx.server.cameras.get('roof')!;
      // The region's bottom stroke over the cloud: drawn in the encoded picture, not in the clean one.
      const t = 2;
      const y = Math.round(HEIGHT * 0.3) - t;
      const xs = Array.from({ length: 20 }, (_, i) => Math.round(WIDTH * 0.55) + i * 10);
      const share = (p: { data: Buffer; stride: number }): number =>
        xs.filter((x) => {
          const i = y * p.stride + x * 3;
          return isSkyBlue([p.data[i]!, p.data[i + 1]!, p.data[i + 2]!]);
        }).length / xs.length;
      const drawn = await pollUntil(
        () => cam.grab({ format: 'rgb', overlays: true }),
        (g) => share(g) >= 0.8,
        10_000,
        'the sky region outline in the picture',
      );
      assert.ok(share(drawn) >= 0.8);
      assert.equal(share(await cam.grab({ format: 'rgb', overlays: false })), 0, 'the clean still has no outline');
    });

    it('the operator switches its overlay off; others may not, and bad input names the field', async () => {
      const post = (body: unknown, token?: string) =>
        fetch(`${ctx.url}/api/analysis/overlays`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      assert.equal((await post({ type: 'sky', enabled: false })).status, 401);
      const bad = await post({ type: 'clouds', enabled: false }, ADMIN);
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { field: string }).field, 'type');
      const off = await post({ type: 'sky', enabled: false }, ADMIN);
      assert.equal(off.status, 200);
      assert.equal((await status()).overlays.sky, false);
      const cam = ctx.server.cameras.get('roof')!;
      const y = Math.round(HEIGHT * 0.3) - 2;
      const clean = await pollUntil(
        () => cam.grab({ format: 'rgb', overlays: true }),
        (g) => {
          const i = y * g.stride + Math.round(WIDTH * 0.75) * 3;
          return !isSkyBlue([g.data[i]!, g.data[i + 1]!, g.data[i + 2]!]);
        },
        10_000,
        'the outline gone',
      );
      assert.ok(clean);
      assert.equal((await post({ type: 'sky', enabled: true }, ADMIN)).status, 200);
    });
  });
});
