import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { CameraStatus } from '../../media/camera/CameraTypes.js';
import { pollUntil } from '../helpers/browser.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';

const WIDTH = 320;
const HEIGHT = 240;
type Rgb = [number, number, number];

const solid = (rgb: Rgb): Promise<Buffer> =>
  sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toBuffer();

/**
 * A host-capture folder (tools/host-capture/README.md: `live/`, `metadata/`, `.tmp/`) read by a
 * real camerad through the server: the picture shown is the newest image of `live/` (never
 * `.tmp/`), its capture time is its metadata's (so `/api/status` reports the real age, not the
 * file's), sequence gaps are counted, and an image whose SHA-256 does not match its metadata is
 * never shown.
 */
describe('a dir:// camera on a host-capture folder', { timeout: 120_000 }, () => {
  const folder = mkdtempSync(join(tmpdir(), 'ecs-host-capture-'));
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let sequence = 0;

  /** Publishes an image as host-capture does: image into live/, then its metadata. */
  const publish = async (
    rgb: Rgb,
    options: { capturedMsAgo?: number; sequence?: number; sha256?: string } = {},
  ): Promise<{ name: string; captureEndMs: number }> => {
    const jpeg = await solid(rgb);
    sequence = options.sequence ?? sequence + 1;
    const name = `img-${String(sequence).padStart(8, '0')}`;
    const captureEndMs = Date.now() - (options.capturedMsAgo ?? 0);
    writeFileSync(join(folder, '.tmp', `${name}.jpg`), jpeg);
    renameSync(join(folder, '.tmp', `${name}.jpg`), join(folder, 'live', `${name}.jpg`));
    const metadata = {
      schema: 'host-capture/1',
      name,
      image: `live/${name}.jpg`,
      sequence,
      capture_start_ms: captureEndMs - 300,
      capture_end_ms: captureEndMs,
      width: WIDTH,
      height: HEIGHT,
      bytes: jpeg.length,
      sha256: options.sha256 ?? createHash('sha256').update(jpeg).digest('hex'),
    };
    writeFileSync(join(folder, '.tmp', `${name}.json`), JSON.stringify(metadata));
    renameSync(join(folder, '.tmp', `${name}.json`), join(folder, 'metadata', `${name}.json`));
    return { name, captureEndMs };
  };

  const status = async (): Promise<CameraStatus> => {
    const body = (await (await fetch(`${ctx.url}/api/status`)).json()) as { cameras: CameraStatus[] };
    return body.cameras.find((c) => c.id === 'hc')!;
  };
  /** The centre pixel of the clean picture. */
  const centre = async (): Promise<Rgb> => {
    const grab = await ctx.server.cameras.get('hc')!.grab({ format: 'rgb' });
    const i = (HEIGHT / 2) * grab.stride + (WIDTH / 2) * 3;
    return [grab.data[i]!, grab.data[i + 1]!, grab.data[i + 2]!];
  };
  const near = (a: Rgb, b: Rgb): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= 30);

  before(async () => {
    for (const sub of ['live', 'metadata', '.tmp']) mkdirSync(join(folder, sub));
    await publish([200, 40, 40], { capturedMsAgo: 4000 });
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        {
          id: 'hc',
          source: `dir://${folder}`,
          width: WIDTH,
          height: HEIGHT,
          fps: 5,
          bitrateKbps: 200,
          dirMaxAgeMs: 10_000,
        },
      ]),
    });
  });

  after(async () => {
    await ctx?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('shows the newest image of live/ with the age of its metadata capture time, not its file time', async () => {
    const hc = await pollUntil(status, (s) => s.host_capture?.last_sequence === 1, 20_000, 'the first image shown');
    assert.equal(hc.host_capture!.layout, 'host-capture');
    assert.equal(hc.host_capture!.metadata, true);
    // Written a moment ago, captured 4 s before that.
    assert.ok(hc.host_capture!.image_age_ms! >= 4000 && hc.host_capture!.image_age_ms! < 9000, JSON.stringify(hc));
    const shown = await centre();
    assert.ok(near(shown, [200, 40, 40]), `centre ${shown.join()}`);

    // A newer file being written in .tmp/ is never read.
    writeFileSync(join(folder, '.tmp', 'img-99999999.jpg'), await solid([40, 200, 40]));
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(near(await centre(), [200, 40, 40]), '.tmp is not read');
    rmSync(join(folder, '.tmp', 'img-99999999.jpg'));
  });

  it('counts gaps in the sequence and the capture rate', async () => {
    const { captureEndMs } = await publish([40, 40, 200], { sequence: 4 });
    const hc = await pollUntil(status, (s) => s.host_capture?.last_sequence === 4, 10_000, 'sequence 4 shown');
    assert.equal(hc.host_capture!.gaps, 2, 'captures 2 and 3 are missing');
    assert.equal(hc.host_capture!.captures_last_minute, 2);
    assert.equal(hc.host_capture!.captured_at, new Date(captureEndMs).toISOString());
    assert.ok(near(await centre(), [40, 40, 200]));
  });

  it('rejects an image whose SHA-256 does not match its metadata', async () => {
    await publish([240, 240, 30], { sha256: '0'.repeat(64) });
    const hc = await pollUntil(status, (s) => (s.host_capture?.rejected ?? 0) >= 1, 10_000, 'the image rejected');
    assert.match(hc.host_capture!.last_rejection!, /SHA-256 does not match/);
    assert.equal(hc.host_capture!.last_sequence, 4, 'the last good image stays');
    assert.ok(near(await centre(), [40, 40, 200]), 'the forged image is not shown');
  });

  it('an old image is source lost with the reason in /api/status', async () => {
    // Nothing new for longer than dirMaxAgeMs (10 s) is simulated by an image captured 30 s ago.
    await publish([90, 90, 90], { capturedMsAgo: 30_000 });
    rmSync(join(folder, 'live', 'img-00000004.jpg'));
    rmSync(join(folder, 'metadata', 'img-00000004.json'));
    const lost = await pollUntil(status, (s) => s.source_state === 'lost', 40_000, 'the source lost');
    assert.match(lost.source_lost_reason ?? '', /no image newer than 10000 ms in .*\/live/);
  });

  it('shows an image without its metadata after the wait, even while newer images keep coming', async () => {
    // host-capture stopped writing metadata but still captures twice a second: each image is
    // replaced before the 2 s wait ends, yet the wait is not restarted by a newer image.
    const jpeg = await solid([40, 200, 40]);
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        sequence += 1;
        const name = `img-${String(sequence).padStart(8, '0')}`;
        writeFileSync(join(folder, '.tmp', `${name}.jpg`), jpeg);
        renameSync(join(folder, '.tmp', `${name}.jpg`), join(folder, 'live', `${name}.jpg`));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      const withoutMetadata = () => ctx.server.cameras.get('hc')!.cameradStats?.dir?.without_metadata ?? 0;
      const hc = await pollUntil(
        status,
        (s) => s.source_state === 'live' && withoutMetadata() >= 1,
        20_000,
        'an image without metadata shown',
      );
      assert.equal(hc.host_capture!.rejected, 1, 'only the forged image was rejected');
      assert.ok(near(await centre(), [40, 200, 40]));
    } finally {
      stop = true;
      await writer;
    }
  });
});
