import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';
import type { Page } from 'playwright-core';
import type { SessionChainEvent } from '../../server/events/EventCatalogue.js';
import { launchChromium, pollUntil } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { createTestKeypair } from '../helpers/testWallet/testKeypair.js';
import { testWalletScript } from '../helpers/testWallet/testWalletScript.js';

const WALLET_NAME = 'ECS Test Wallet';
const NOTICE =
  'Checking in writes a public, permanent record on the Solana blockchain: your wallet address, this camera and the time.';

/** What the test reads of `window.__session` (web/src/session/SessionController.ts). */
interface SessionHook {
  session: {
    id: string;
    wallet: string;
    role: string;
    cameraId: string;
    checkedIn: boolean;
    checkinSignature: string | null;
    consent: { showName: boolean; keepEnrolment: boolean } | null;
    endedAt: string | null;
    endReason: string | null;
  } | null;
  lastEvent: { name: string; data: SessionChainEvent } | null;
  events: { name: string; data: SessionChainEvent }[];
  wallet: string | null;
  signedIn: boolean;
  eventsConnected: boolean;
  lastSubmit: { signature: string; kind: string } | null;
  error: string | null;
  busy: string | null;
}

/** `window.__session`, copied out of the page. */
const hook = (page: Page): Promise<SessionHook> =>
  page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __session: unknown }).__session)));

/**
 * Waits in the page until `predicate` (a JS expression over `s` = `window.__session`) holds;
 * stops early, and fails with the panel's error, when an action failed.
 */
async function waitSession(page: Page, what: string, predicate: string, timeoutMs = 30_000): Promise<SessionHook> {
  const failed = 's.error !== null && s.busy === null';
  try {
    await page.waitForFunction(`((s) => !!s && ((${failed}) || (${predicate})))(window.__session)`, undefined, {
      timeout: timeoutMs,
      polling: 100,
    });
  } catch (err) {
    throw new Error(`timed out waiting for ${what}; __session: ${JSON.stringify(await hook(page))}`, { cause: err });
  }
  const state = await hook(page);
  assert.equal(state.error, null, `no error while waiting for ${what}`);
  return state;
}

/**
 * The viewer page's wallet panel in headless Chromium against the real server (with camerad)
 * and the real Solana VM (litesvm behind the test JSON-RPC front), with a Wallet Standard test
 * wallet injected in the page (test/helpers/testWallet, its Ed25519 key made here): wallet
 * discovery, Sign-In With Solana, check-in with consent (signed by the wallet, relayed and
 * confirmed, heard on socket.io), check-out ending the session.
 */
describe('viewer page: connect a wallet, sign in, check in and out on chain', { timeout: 300_000 }, () => {
  const keypair = createTestKeypair();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-wallet-e2e-'));
  let webRoot = '';
  let svm: SvmRpcServer | undefined;
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  let walletScript = '';
  /** Console errors and uncaught exceptions of the pages. */
  const pageErrors: string[] = [];

  const newPage = async (): Promise<Page> => {
    const p = await browser!.browser.newPage({ viewport: { width: 1400, height: 900 } });
    p.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    return p;
  };

  before(async () => {
    webRoot = await builtViewerApp();
    svm = await SvmRpcServer.start();
    svm.airdrop(new PublicKey(keypair.address), LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 15, bitrateKbps: 300 },
      ]),
      ECS_STORAGE__DATA_DIR: join(dataDir, 'state'),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '500',
    });
    walletScript = await testWalletScript(keypair.seed, WALLET_NAME);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await ctx?.close();
    await svm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says so when no wallet is installed, and lists a wallet registered later (name and icon)', async () => {
    const bare = await newPage();
    await bare.goto(ctx!.url);
    const empty = bare.locator('#session [data-role=no-wallet]');
    await empty.waitFor({ state: 'visible' });
    assert.equal(
      (await empty.textContent())?.trim(),
      'No wallet found: install a Solana wallet that supports the Wallet Standard',
    );
    // The wallet announces itself after the app started (an extension loading late).
    await bare.evaluate(walletScript);
    const button = bare.locator(`#session button[data-wallet="${WALLET_NAME}"]`);
    await button.waitFor({ state: 'visible' });
    assert.match((await button.textContent()) ?? '', new RegExp(WALLET_NAME));
    assert.match((await button.locator('img').getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
    assert.equal(await empty.isVisible(), false, 'the no-wallet line is gone');
    await bare.close();
  });

  it('shows the public-record notice and both consents off before check-in', async () => {
    page = await newPage();
    await page.addInitScript({ content: walletScript });
    await page.goto(ctx!.url);
    await page.locator(`#session button[data-wallet="${WALLET_NAME}"]`).waitFor({ state: 'visible' });
    const notice = page.locator('#session [data-role=notice]');
    await notice.waitFor({ state: 'visible' });
    assert.equal((await notice.textContent())?.trim(), NOTICE);
    assert.equal(await page.locator('#session input[name=showName]').isChecked(), false);
    assert.equal(await page.locator('#session input[name=keepEnrolment]').isChecked(), false);
    assert.equal(await page.locator('#session').getAttribute('data-session-state'), 'none');
  });

  it('connects the test wallet and signs in with solana:signIn', async () => {
    await page.click(`#session button[data-wallet="${WALLET_NAME}"]`);
    await waitSession(page, 'the wallet connected', `s.wallet === ${JSON.stringify(keypair.address)}`);
    const address = page.locator('#session [data-role=wallet-address]');
    assert.equal(await address.getAttribute('title'), keypair.address);

    await page.locator('#session select[data-role=camera] option[value=cam]').waitFor({ state: 'attached' });
    await page.selectOption('#session select[data-role=camera]', 'cam');
    await page.click('#session [data-action=signin]');
    const state = await waitSession(page, 'the sign-in', 's.session !== null && s.busy === null');
    assert.equal(state.signedIn, true);
    assert.equal(state.session!.wallet, keypair.address);
    assert.equal(state.session!.cameraId, 'cam');
    assert.equal(state.session!.role, 'user');
    assert.equal(state.session!.checkedIn, false);
    assert.equal(await page.locator('#session').getAttribute('data-session-state'), 'signed-in');
    const calls = await page.evaluate(
      () => (window as unknown as { __testWallet: { calls: string[] } }).__testWallet.calls,
    );
    assert.ok(calls.includes('solana:signIn'), `the wallet signed in with solana:signIn (calls: ${calls.join(', ')})`);
    assert.ok(!calls.includes('solana:signMessage'), 'no signMessage fallback was needed');
    await waitSession(page, 'the socket.io connection', 's.eventsConnected === true');
  });

  it('keeps the session over a reload (refresh token in sessionStorage); the wallet is connected again', async () => {
    const signedIn = await hook(page);
    await page.reload();
    const restored = await waitSession(
      page,
      'the restored session',
      's.session !== null && s.signedIn && s.busy === null',
    );
    assert.equal(restored.session!.id, signedIn.session!.id, 'the same session, renewed');
    assert.equal(restored.wallet, null, 'a reload does not keep the wallet connection');
    assert.equal(
      await page.locator('#session [data-action=checkin]').isDisabled(),
      true,
      'no check-in without the wallet',
    );
    await page.click(`#session button[data-wallet="${WALLET_NAME}"]`);
    await waitSession(page, 'the wallet connected again', `s.wallet === ${JSON.stringify(keypair.address)}`);
    await waitSession(page, 'the socket.io connection', 's.eventsConnected === true');
  });

  it('checks in with "show my name": checked in on chain, shown, and heard as session:checkin', async () => {
    await page.check('#session input[name=showName]');
    await page.click('#session [data-action=checkin]');
    const state = await waitSession(
      page,
      'the check-in',
      's.session !== null && s.session.checkedIn === true && s.busy === null',
      90_000,
    );
    const session = state.session!;
    assert.equal(session.wallet, keypair.address);
    assert.deepEqual(session.consent, { showName: true, keepEnrolment: false });
    assert.equal(state.lastSubmit?.kind, 'checkin');
    assert.equal(session.checkinSignature, state.lastSubmit?.signature);

    // The panel says so: checked in, the wallet's address, the signature shortened.
    const panel = page.locator('#session');
    assert.equal(await panel.getAttribute('data-session-state'), 'checked-in');
    const wallet = panel.locator('dd[data-field=wallet]');
    assert.equal(await wallet.getAttribute('data-value'), keypair.address);
    assert.equal(await wallet.textContent(), `${keypair.address.slice(0, 4)}…${keypair.address.slice(-4)}`);
    assert.match(
      (await panel.locator('[data-role=status]').textContent()) ?? '',
      /^Checked in since .+ \(tx \S+…\S+\)$/,
    );
    assert.equal(await panel.locator('dd[data-field=signature]').getAttribute('data-value'), session.checkinSignature);
    assert.equal(await panel.locator('dd[data-field=role]').textContent(), 'user');
    assert.equal(await panel.locator('input[name=showName]').isChecked(), true);

    // On chain: the SVM has the transaction, confirmed without error.
    const {
      value: [onChain],
    } = await svm!.call<{ value: ({ err: unknown } | null)[] }>('getSignatureStatuses', [[session.checkinSignature]]);
    assert.ok(onChain && onChain.err === null, 'the check-in transaction is confirmed on the SVM');

    // The chain watcher's event reached the page's socket.
    const heard = await waitSession(
      page,
      'a session:checkin event',
      "s.events.some((e) => e.name === 'session:checkin')",
    );
    const event = heard.events.find((e) => e.name === 'session:checkin')!;
    assert.equal(event.data.wallet, keypair.address);
    assert.equal(event.data.cameraId, 'cam');
    assert.equal(event.data.signature, session.checkinSignature);
    assert.equal(
      await panel.locator('[data-role=last-event]').getAttribute('data-event'),
      heard.lastEvent!.name,
      'the panel shows the last event',
    );
    const calls = await page.evaluate(
      () => (window as unknown as { __testWallet: { calls: string[] } }).__testWallet.calls,
    );
    assert.ok(calls.includes('solana:signTransaction'), 'the wallet signed the transaction');
  });

  // Photos and recordings need a check-in at the camera (auth.requireCheckin, on with a chain).
  it('takes a photo and records a video from the media panel; the gallery shows the photo and plays and seeks the video', async () => {
    type Item = { kind: string; status: string; durationMs: number | null };
    const items = (): Promise<Item[]> =>
      page.evaluate(() => (window as unknown as { __media: { items: Item[] } }).__media.items);
    await page.click('#media [data-action=photo]');
    await pollUntil(
      items,
      (list) => list.some((i) => i.kind === 'photo' && i.status === 'complete'),
      20_000,
      'a photo',
    );
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('#media figure[data-kind=photo] img');
        return !!img && img.complete && img.naturalWidth === 320 && img.naturalHeight === 240;
      },
      undefined,
      { timeout: 20_000 },
    );
    await page.click('#media [data-action=record]');
    await pollUntil(items, (list) => list.some((i) => i.status === 'recording'), 20_000, 'a recording in the gallery');
    await new Promise((r) => setTimeout(r, 2500));
    await page.click('#media [data-action=record]');
    const done = await pollUntil(
      items,
      (list) => list.some((i) => i.kind === 'video' && i.status === 'complete'),
      20_000,
      'the finished recording',
    );
    const video = done.find((i) => i.kind === 'video')!;
    assert.ok(video.durationMs !== null && video.durationMs > 2000, `recording of ${video.durationMs} ms`);
    // The browser plays the MP4 from its signed URL and seeks into it (HTTP range requests).
    const seeked = await page.evaluate(async () => {
      const el = document.querySelector<HTMLVideoElement>('#media figure[data-kind=video] video')!;
      if (el.readyState < 1) await new Promise((r) => el.addEventListener('loadedmetadata', r, { once: true }));
      const target = el.duration / 2;
      el.currentTime = target;
      await new Promise((r) => el.addEventListener('seeked', r, { once: true }));
      return { duration: el.duration, currentTime: el.currentTime, width: el.videoWidth };
    });
    assert.ok(seeked.duration > 1.5, `video duration ${seeked.duration} s`);
    assert.ok(Math.abs(seeked.currentTime - seeked.duration / 2) < 1, `seeked to ${seeked.currentTime} s`);
    assert.equal(seeked.width, 320);
  });

  it('checks out: the panel shows the session ended', async () => {
    await page.click('#session [data-action=checkout]');
    const state = await waitSession(
      page,
      'the check-out',
      's.session !== null && s.session.endedAt !== null && s.busy === null',
      90_000,
    );
    assert.equal(state.lastSubmit?.kind, 'checkout');
    assert.equal(state.session!.checkedIn, false);
    assert.equal(state.session!.endReason, 'checkout');
    assert.equal(state.signedIn, false, 'the ended session is no longer renewed');
    const panel = page.locator('#session');
    assert.equal(await panel.getAttribute('data-session-state'), 'ended');
    assert.match((await panel.locator('[data-role=status]').textContent()) ?? '', /^Session ended \(checkout\) at /);
    assert.equal(await panel.locator('[data-action=checkout]').isDisabled(), true);
    assert.equal(await panel.locator('[data-action=signin]').isDisabled(), false, 'one may sign in again');
  });

  it('logged no console error and threw nothing in the page', () => {
    assert.deepEqual(pageErrors, []);
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
