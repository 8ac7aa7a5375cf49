import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { CameraStatus } from '../../media/camera/CameraTypes.js';
import { launchChromium, pollUntil } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { FIXTURES, HOST_CAPTURE, hasGstElement, PYTHON, REPO, statusOf } from '../helpers/hostCapture.js';
import { type StartedProcess, startProcess, stopGroup } from '../helpers/processes.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';

const WIDTH = 640;
const HEIGHT = 360;
/** A dir:// image older than this is not shown (NO SIGNAL), ms. */
const MAX_AGE_MS = 3000;

/**
 * A 160×90 thumbnail of the camera tile's visible player element, as grey levels: enough to see
 * the large sequence number drawn into each capture change.
 */
function thumbnail(page: Page, cameraId: string): Promise<number[]> {
  return page.evaluate((id) => {
    const el = [...document.querySelectorAll<HTMLVideoElement | HTMLCanvasElement>(`#video-${id}, #canvas-${id}`)].find(
      (e) => !e.hidden,
    );
    if (!el) throw new Error('no visible player element');
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 90;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(el, 0, 0, 160, 90);
    const data = ctx.getImageData(0, 0, 160, 90).data;
    const grey: number[] = [];
    for (let i = 0; i < data.length; i += 4) grey.push(Math.round((data[i]! + data[i + 1]! + data[i + 2]!) / 3));
    return grey;
  }, cameraId);
}
const differs = (a: number[], b: number[]): boolean => a.some((v, i) => Math.abs(v - b[i]!) > 40);

/**
 * Host capture end to end: the real `host-capture` (tools/host-capture) runs a GStreamer capture
 * command (the test's stand-in for rpicam-still, chosen by its `--command` setting: a test
 * picture with the sequence number drawn large) into a folder that a `dir://` camera of the real
 * server reads. Chromium decodes frames that change with each capture; `/api/status` reports the
 * image's age from its metadata file and the capture rate. The capture command made to fail
 * (exit 1): host-capture retries with backoff, the camera shows NO SIGNAL with the reason; both
 * recover when the command works again.
 */
describe(
  'host capture into a dir:// camera (real host-capture, server, camerad, Chromium)',
  { timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-host-capture-e2e-'));
    const folder = join(dir, 'capture');
    /** While this file exists the capture command fails (exit 1), as a camera tool whose sensor is gone. */
    const broken = join(dir, 'camera-gone');
    let capture: StartedProcess | undefined;
    let ctx: Awaited<ReturnType<typeof startTestServer>>;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let page: Page;

    const status = async (): Promise<CameraStatus> => {
      const body = (await (await fetch(`${ctx.url}/api/status`)).json()) as { cameras: CameraStatus[] };
      return body.cameras.find((c) => c.id === 'pi')!;
    };

    before(async () => {
      // A missing dependency fails, never skips (setup.sh --with-tests installs it).
      assert.ok(
        hasGstElement('textoverlay'),
        'GStreamer textoverlay missing: install the Debian package gstreamer1.0-x (scripts/setup.sh --with-tests)',
      );
      // The shared folder exists before either side starts (install.sh creates it on a host).
      mkdirSync(folder);
      const command =
        `${PYTHON} ${FIXTURES}/failing-capture.py ${broken} ` +
        'gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width={width},height={height} ! ' +
        'textoverlay text={sequence} font-desc=Sans,120 valignment=center halignment=center ! ' +
        'jpegenc quality={quality} ! filesink location={output}';
      capture = await startProcess(
        'host-capture',
        PYTHON,
        [
          HOST_CAPTURE,
          '--folder',
          folder,
          '--command',
          command,
          '--width',
          String(WIDTH),
          '--height',
          String(HEIGHT),
          '--quality',
          '85',
          '--interval',
          '0.5',
          '--backoff-initial',
          '0.2',
          '--backoff-max',
          '1',
        ],
        { cwd: REPO },
      );
      ctx = await startTestServer({
        ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
        ECS_CAMERAS: JSON.stringify([
          {
            id: 'pi',
            source: `dir://${folder}`,
            width: WIDTH,
            height: HEIGHT,
            fps: 10,
            bitrateKbps: 800,
            dirMaxAgeMs: MAX_AGE_MS,
          },
        ]),
        ECS_SERVER__WEB_ROOT: await builtViewerApp(),
      });
      browser = await launchChromium();
      page = await browser.browser.newPage();
      await page.goto(`${ctx.url}/?camera=pi`);
    });

    after(async () => {
      await browser?.close();
      await ctx?.close();
      if (capture) await stopGroup(capture);
      rmSync(dir, { recursive: true, force: true });
    });

    it('Chromium decodes frames that change with each capture; /api/status reports the age from the metadata and the capture rate', async () => {
      // Three different pictures in a row (each capture draws its sequence number).
      const seen: number[][] = [];
      await pollUntil(
        () => thumbnail(page, 'pi').catch(() => undefined),
        (t) => {
          if (t && (seen.length === 0 || differs(t, seen.at(-1)!))) seen.push(t);
          return seen.length >= 3;
        },
        30_000,
        'three different captures in the browser',
      );

      const hc = await pollUntil(
        status,
        (s) => (s.host_capture?.captures_last_minute ?? 0) >= 8,
        30_000,
        'eight captures within the minute',
      );
      assert.equal(hc.source_state, 'live');
      assert.equal(hc.host_capture!.layout, 'host-capture');
      assert.equal(hc.host_capture!.metadata, true);
      assert.equal(hc.host_capture!.gaps, 0);
      // The age is the metadata's: the capture time in /api/status is the metadata file's capture_end_ms.
      const metaDir = join(folder, 'metadata');
      const metadata = readdirSync(metaDir)
        .map((f) => JSON.parse(readFileSync(join(metaDir, f), 'utf8')) as { sequence: number; capture_end_ms: number })
        .find((m) => m.sequence === hc.host_capture!.last_sequence);
      assert.ok(metadata, `metadata of sequence ${hc.host_capture!.last_sequence}`);
      assert.equal(hc.host_capture!.captured_at, new Date(metadata.capture_end_ms).toISOString());
      assert.ok(hc.host_capture!.image_age_ms! < MAX_AGE_MS, `age ${hc.host_capture!.image_age_ms} ms`);
      // One capture every 0.5 s: about 120 a minute once it has run that long; at least the ones seen.
      assert.ok(hc.host_capture!.captures_last_minute <= 125, `${hc.host_capture!.captures_last_minute} a minute`);
    });

    it('a failing capture command: host-capture retries with backoff, the camera shows NO SIGNAL with the reason; both recover', async () => {
      writeFileSync(broken, '');
      const lost = await pollUntil(status, (s) => s.source_state === 'lost', 20_000, 'the camera to lose its source');
      assert.match(lost.source_lost_reason ?? '', new RegExp(`no image newer than ${MAX_AGE_MS} ms in .*/live`));
      // host-capture's own reason follows, read from its status file in the folder (re-read every 2 s).
      const told = await pollUntil(
        status,
        (s) => /host-capture: exit code 1 \(.*sensor not responding/.test(s.source_lost_reason ?? ''),
        10_000,
        'the capture command’s own error in the source-lost reason',
      );
      assert.equal(told.host_capture!.service!.state, 'backoff');
      assert.ok(told.host_capture!.service!.consecutive_failures >= 1);
      assert.equal(told.host_capture!.service!.last_error!.exit_code, 1);
      // /api/health (what the image-sync manager and Docker read) names it too.
      const health = (await (await fetch(`${ctx.url}/api/health`)).json()) as {
        cameras?: { id: string; detail: string | null }[];
      };
      assert.match(
        health.cameras?.find((c) => c.id === 'pi')?.detail ?? '',
        /source lost: .*host-capture: exit code 1/,
      );
      // The page says so, with the reason.
      const warning = page.locator('[data-role=warning]');
      await pollUntil(
        () => warning.textContent(),
        (t) => /source lost: no image newer than/.test(t ?? ''),
        10_000,
        'the source-lost warning with its reason in the page',
      );
      const failing = await statusOf(HOST_CAPTURE, ['--folder', folder]);
      assert.equal(failing.state, 'backoff');
      const errors = failing.errors as { exit_code: number; retry_in_s: number; stderr_tail: string }[];
      assert.ok(errors.length >= 3, `${errors.length} failures recorded`);
      assert.ok(errors.every((e) => e.exit_code === 1 && /sensor not responding/.test(e.stderr_tail)));
      assert.ok(
        errors.some((e) => e.retry_in_s > 0.2),
        'the retry delay grew',
      );

      unlinkSync(broken);
      const back = await pollUntil(status, (s) => s.source_state === 'live', 20_000, 'the source live again');
      assert.equal(back.source_lost_reason, null);
      await pollUntil(
        status,
        (s) => s.host_capture?.service?.consecutive_failures === 0 && s.host_capture.service.state === 'running',
        10_000,
        'host-capture’s report recovered',
      );
      await pollUntil(
        () => warning.isHidden(),
        (hidden) => hidden,
        10_000,
        'the warning gone from the page',
      );
      const recovered = await statusOf(HOST_CAPTURE, ['--folder', folder]);
      assert.equal(recovered.consecutive_failures, 0);
      // The failed attempts used up their sequence numbers: the server counts them as gaps (in
      // camerad's next stats, up to a second after the source came back).
      await pollUntil(status, (s) => (s.host_capture?.gaps ?? 0) >= 1, 5_000, 'the failed captures counted as gaps');
      // And the picture moves again.
      const first = await thumbnail(page, 'pi');
      await pollUntil(
        () => thumbnail(page, 'pi'),
        (t) => differs(t, first),
        15_000,
        'a new capture in the browser',
      );
    });

    it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
      assertNoEgress();
    });
  },
);
