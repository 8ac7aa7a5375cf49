import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, pollUntil } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { PhotoCamera } from '../helpers/photoCamera.js';
import { startTestServer } from '../helpers/testServer.js';
import { createTestKeypair } from '../helpers/testWallet/testKeypair.js';
import { testWalletScript } from '../helpers/testWallet/testWalletScript.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { assertObjectFixturesInstalled, vtestCamera } from '../server/analysis/objectFixtures.js';
import { skyScene } from '../server/analysis/skyScene.js';

const WIDTH = 640;
const HEIGHT = 360;
const WALLET_NAME = 'ECS Test Wallet';

/** Waits in the page for `expression` (over the DOM) to hold: a hang guard, not a speed bound. */
async function waitInPage(page: Page, what: string, expression: string, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 250 });
  } catch (err) {
    const panel = await page.locator('#analysis').innerText();
    throw new Error(`timed out waiting for ${what}; the analysis panel says: ${panel}`, { cause: err });
  }
}

/**
 * The viewer page's analysis and gestures panels in Chromium against the real server: a dir://
 * camera of sky and cloud running the sky analyzer, and OpenCV's vtest.avi (people walking)
 * running the objects analyzer. The panel shows each analyzer's rate, the cloud cover and the
 * people counted; the gestures panel says there are no hands (no camera runs the hands analyzer);
 * the operator, signed in with their wallet, switches the sky overlay off from the panel and the
 * server reports it off.
 */
describe('viewer page: analysis and gestures panels', { timeout: 300_000 }, () => {
  const photos = new PhotoCamera(WIDTH, HEIGHT);
  const operator = createTestKeypair();
  /** A wallet that is not the page's. */
  const someoneElse = createTestKeypair().address;
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let walletScript = '';
  /** Console errors and uncaught exceptions of the page. */
  const pageErrors: string[] = [];

  before(async () => {
    assertObjectFixturesInstalled();
    const webRoot = await builtViewerApp();
    photos.showRepeatedly(await skyScene(WIDTH, HEIGHT));
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_AUTH__OPERATOR_WALLET: operator.address,
      ECS_CAMERAS: JSON.stringify([
        { ...photos.camera('roof'), analyzers: [{ type: 'sky', fps: 4, region: [0, 0, 1, 0.3] }] },
        vtestCamera('square', [{ type: 'objects', fps: 2, classes: ['person', 'car'] }]),
      ]),
    });
    walletScript = await testWalletScript(operator.seed, WALLET_NAME);
    browser = await launchChromium();
    page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await ctx?.close();
    photos.close();
  });

  it('shows the sky analyzer’s rate and cloud cover, and the people counted on vtest.avi', async () => {
    await page.goto(ctx!.url);
    const sky = '#analysis section[data-camera=roof] li[data-analyzer=sky]';
    await waitInPage(
      page,
      'the sky analyzer at a rate above 0 with its reading',
      `(() => { const li = document.querySelector(${JSON.stringify(sky)});
        return !!li && Number(li.dataset.achievedFps) > 0 && !!li.querySelector('[data-sky=cloud]'); })()`,
      60_000,
    );
    const item = page.locator(sky);
    assert.equal(await item.locator('[data-field=provider]').textContent(), 'typescript');
    assert.equal(await item.getAttribute('data-fps'), '4');
    assert.match((await item.locator('[data-field=rate]').textContent()) ?? '', /^\d+(\.\d)? of 4 fps$/);
    assert.match((await item.locator('[data-field=dropped]').textContent()) ?? '', /^\d+ dropped$/);
    const cloud = item.locator('[data-sky=cloud]');
    const cover = Number(await cloud.getAttribute('data-value'));
    assert.ok(Math.abs(cover - 0.5) <= 0.05, `cloud cover ${cover}: half the sky is cloud`);
    assert.equal(await cloud.textContent(), `cloud ${Math.round(cover * 100)} %`);
    assert.match((await item.locator('[data-sky=color]').getAttribute('data-value')) ?? '', /^#[0-9a-f]{6}$/);

    const person = '#analysis section[data-camera=square] li[data-analyzer=objects] [data-count=person]';
    await waitInPage(
      page,
      'a person counted on vtest.avi',
      `Number(document.querySelector(${JSON.stringify(person)})?.dataset.value ?? 0) >= 1`,
      150_000,
    );
    assert.match((await page.locator(person).textContent()) ?? '', /^person [1-9]\d*$/);
    const objects = page.locator('#analysis section[data-camera=square] li[data-analyzer=objects]');
    assert.equal(await objects.locator('[data-field=provider]').textContent(), 'tfjs:wasm-simd');
    assert.equal(await objects.locator('[data-count=car]').count(), 1, 'every configured class is listed');
    assert.equal(await page.locator('#analysis [data-unavailable]').count(), 0, 'every analyzer runs');
    console.log({ panel: await page.locator('#analysis').innerText() });
    assert.equal(
      await page.locator('#analysis fieldset[data-role=overlays]').isVisible(),
      false,
      'no switches for viewers',
    );
  });

  it('the gestures panel says there are no hands, without console errors', async () => {
    const current = page.locator('#gestures [data-field=current]');
    await pollUntil(
      () => current.textContent(),
      (t) => t === 'no hands: no camera runs the hands analyzer',
      20_000,
      'the gestures panel’s answer',
    );
    const view = await page.evaluate(() => window.__gestures.current);
    assert.deepEqual(
      view?.cameras.map((c) => [c.id, c.running, c.hands.length]),
      [
        ['roof', false, 0],
        ['square', false, 0],
      ],
    );
    assert.equal(await page.locator('#gestures li[data-hand]').count(), 0);
    assert.equal(await page.locator('#gestures ol[data-role=events]').getAttribute('aria-live'), 'polite');

    // Events as the gesture relay sends them (server/analysis/gestures/GestureRelay.ts): the page
    // hears the public ones of its camera, never another wallet's identity events.
    await page.waitForFunction(() => window.__gestures.connected);
    const hub = ctx!.server.events;
    const at = Date.now();
    hub.emitIdentity('gesture:action', {
      cameraId: 'roof',
      wallet: someoneElse,
      gesture: 'victory',
      action: 'capture',
      id: 'not-for-you',
      error: null,
      at,
    });
    hub.emitCamera('gesture:detected', {
      cameraId: 'roof',
      trackId: 7,
      gesture: 'thumbs_up',
      previous: 'none',
      score: 0.93,
      box: [10, 20, 80, 90],
      at,
    });
    hub.emitCamera('gesture:ended', { cameraId: 'roof', trackId: 7, gesture: 'thumbs_up', since: at, at: at + 1500 });
    await page.locator('#gestures li[data-event="gesture:ended"]').waitFor();
    const lines = await page.evaluate(() => window.__gestures.lines.map((l) => [l.name, l.text]));
    assert.deepEqual(lines, [
      ['gesture:ended', 'roof hand 7: 👍 thumbs up ended after 1.5 s'],
      ['gesture:detected', 'roof hand 7: 👍 thumbs up 0.93'],
    ]);
    assert.equal(
      await page.locator('#gestures [data-field=mine]').isVisible(),
      false,
      'no notice for an anonymous page',
    );
    assert.deepEqual(pageErrors, []);
  });

  it('the operator switches the sky overlay off from the panel; the server reports it off', async () => {
    await page.evaluate(walletScript);
    await page.click(`#session button[data-wallet="${WALLET_NAME}"]`);
    await page.locator('#session select[data-role=camera] option[value=roof]').waitFor({ state: 'attached' });
    await page.selectOption('#session select[data-role=camera]', 'roof');
    await page.waitForFunction(
      () => !(document.querySelector('#session [data-action=signin]') as HTMLButtonElement).disabled,
    );
    await page.click('#session [data-action=signin]');
    await page.waitForFunction(
      () => window.__session?.session?.role === 'operator' || window.__session?.error,
      undefined,
      {
        timeout: 30_000,
      },
    );
    assert.equal(await page.evaluate(() => window.__session.error), null);

    const skySwitch = page.locator('#analysis fieldset[data-role=overlays] input[data-type=sky]');
    await skySwitch.waitFor({ state: 'visible' });
    assert.equal(await skySwitch.isChecked(), true, 'the sky overlay is on at start');
    assert.equal(await page.locator('#analysis input[data-type=objects]').isChecked(), true);
    await skySwitch.uncheck();
    const status = await pollUntil(
      async () =>
        (await (await fetch(`${ctx!.url}/api/analysis/status`)).json()) as { overlays: Record<string, boolean> },
      (s) => s.overlays.sky === false,
      20_000,
      'overlays.sky false in /api/analysis/status',
    );
    assert.equal(status.overlays.objects, true, 'only the sky overlay is off');
    // The next refresh of the panel keeps it off (the server's state), with no error shown.
    await page.waitForFunction(() => window.__analysis.status?.overlays.sky === false);
    assert.equal(await skySwitch.isChecked(), false);
    assert.equal(await page.locator('#analysis [data-field=message]').textContent(), '');
    assert.deepEqual(pageErrors, []);
  });

  it('shows the signed-in wallet what its gestures did; the operator sees whose hand it was', async () => {
    await page.waitForFunction(() => window.__gestures.connected);
    const hub = ctx!.server.events;
    const at = Date.now();
    hub.emitIdentity('gesture:identified', { cameraId: 'roof', trackId: 9, gesture: 'ok', wallet: someoneElse, at });
    const others = page.locator('#gestures li[data-event="gesture:identified"]');
    await others.waitFor();
    assert.match(
      (await others.textContent()) ?? '',
      new RegExp(`${someoneElse.slice(0, 4)}…${someoneElse.slice(-4)}’s hand 9: 👌 ok \\(roof\\)$`),
    );
    const mine = page.locator('#gestures [data-field=mine]');
    assert.equal(await mine.isVisible(), false, 'another wallet’s gesture is not the operator’s own');

    const action = { cameraId: 'roof', wallet: operator.address, gesture: 'thumbs_up', at } as const;
    hub.emitIdentity('gesture:action', { ...action, action: 'capture', id: 'photo-1', error: null });
    await pollUntil(
      () => mine.textContent(),
      (t) => t === '📸 Photo taken by your 👍 thumbs up (photo photo-1)',
      10_000,
      'the photo notice',
    );
    assert.equal(await mine.getAttribute('role'), 'status');
    hub.emitIdentity('gesture:action', {
      ...action,
      action: 'record_start',
      id: null,
      error: 'recording quota reached',
    });
    await pollUntil(
      () => mine.textContent(),
      (t) => t === '⚠️ Your 👍 thumbs up did not start a recording: recording quota reached',
      10_000,
      'the error notice',
    );
    assert.deepEqual(pageErrors, []);
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
