import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../server/config/projectRoot.js';
import { grabFrame, launchChromium, pollUntil, videoState } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { type StartedProcess, startProcess, stopGroup, waitForOutput } from '../helpers/processes.js';

const root = projectRoot();
const GOP = 300;

interface CameraStatus {
  id: string;
  state: string;
  frames_out: number;
  keyframes: number;
  keyframe_requests: number;
  fps: number | null;
}

describe('two cameras, keyframe on join, and a Node server restart', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-cameras-'));
  const configFile = join(dir, 'config.json');
  const port = 18090;
  const url = `http://127.0.0.1:${port}/`;
  let server: StartedProcess | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  const camera = async (id: string): Promise<CameraStatus> => {
    const body = (await (await fetch(new URL('/api/status', url))).json()) as { cameras: CameraStatus[] };
    return body.cameras.find((c) => c.id === id)!;
  };
  const startServer = async (): Promise<void> => {
    server = await startProcess('server', 'node', ['dist/server/main.js', '--config', configFile], { cwd: root });
    await waitForOutput(server, /listening: open/, 60_000);
  };

  before(async () => {
    writeFileSync(
      configFile,
      JSON.stringify({
        server: { port },
        camerad: { rtpBasePort: 15004, runtimeDir: join(dir, 'run') },
        cameras: [
          // A keyframe only every 300 frames (10 s): a viewer that starts quickly proves keyframe-on-join.
          {
            id: 'pattern',
            source: 'test://',
            width: 640,
            height: 360,
            fps: 30,
            bitrateKbps: 800,
            keyframeInterval: GOP,
          },
          {
            id: 'people',
            source: `file://${join(root, 'data/samples/vtest.avi')}`,
            width: 640,
            height: 360,
            fps: 15,
            bitrateKbps: 800,
          },
        ],
      }),
    );
    await startServer();
    browser = await launchChromium();
    page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stopGroup(server, 10_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a viewer joining mid-GOP starts from the GOP cache, with no IDR forced or due', async () => {
    // Join between frames 30 and 150 of a 300-frame GOP: the next periodic IDR is ≥ 150 frames away.
    const before = await pollUntil(
      () => camera('pattern'),
      (c) => c.state === 'running' && c.frames_out % GOP >= 30 && c.frames_out % GOP <= 150,
      60_000,
      'the pattern camera mid-GOP',
    );
    await page.goto(url);
    await pollUntil(
      () => videoState(page, 'pattern'),
      (v) => v.total > 0,
      30_000,
      'first decoded frame',
    );
    // camerad's counters arrive with its stats, once a second: wait for a report from after
    // the first frame, then check that the picture cannot have come from a new IDR.
    const shownAt = await camera('pattern');
    const after = await pollUntil(
      () => camera('pattern'),
      (c) => c.frames_out > shownAt.frames_out,
      10_000,
      'a camerad stats report after the first frame',
    );
    assert.equal(after.keyframe_requests, before.keyframe_requests, 'no keyframe was requested from camerad');
    assert.equal(after.keyframes, before.keyframes, 'camerad made no IDR since the viewer joined');
    assert.equal(Math.floor(shownAt.frames_out / GOP), Math.floor(before.frames_out / GOP), 'no periodic IDR was due');
  });

  it('plays both cameras at once, each at its own size with real pictures', async () => {
    for (const id of ['pattern', 'people']) {
      const v = await pollUntil(
        () => videoState(page, id),
        (s) => s.total > 30,
        60_000,
        `30 frames of ${id}`,
      );
      assert.equal(v.width, 640);
      assert.equal(v.height, 360);
    }
    const people = await grabFrame(page, 'people');
    for (const c of [0, 1, 2]) assert.ok(people.std[c]! > 20, `vtest.avi channel ${c} has detail`);
  });

  it('reconnects by itself when the Node server restarts', async () => {
    const v0 = await videoState(page, 'people');
    assert.equal(await stopGroup(server, 10_000), 0, 'server stops cleanly on SIGTERM');
    await startServer();
    for (const id of ['pattern', 'people']) {
      await pollUntil(
        () => videoState(page, id),
        (s) => s.reconnects > 0 && s.state === 'connected',
        60_000,
        `${id} reconnected`,
      );
    }
    const v1 = await pollUntil(
      () => videoState(page, 'people'),
      (s) => s.total > v0.total + 30,
      60_000,
      'frames after reconnect',
    );
    assert.ok(v1.total > v0.total);
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
