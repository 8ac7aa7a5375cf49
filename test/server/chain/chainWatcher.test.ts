import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Connection, Keypair, SystemProgram, Transaction } from '@solana/web3.js';
import { ChainWatcher, type ChainSessionEvent } from '../../../server/chain/ChainWatcher.js';
import { CheckinTransactions } from '../../../server/chain/CheckinTransactions.js';
import { testLogger } from '../../helpers/logger.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';
import { handMadeCheckin, TempDatabase } from './chainFixtures.js';

const CAMERA_IDS = new Set(['cam-a', 'cam-b']);
const PAGE_SIZE = 25;

describe('ChainWatcher on the SVM', () => {
  let rpc: SvmRpcServer;
  let connection: Connection;
  let temp: TempDatabase;
  let pending: CheckinTransactions;
  const camera = Keypair.generate().publicKey;
  const wallets = Array.from({ length: 5 }, () => Keypair.generate());
  /** The built-transaction store on the current database (recreated after a restart). */
  const newPending = (): CheckinTransactions =>
    new CheckinTransactions({
      database: temp.database,
      connection,
      cameraAddress: camera,
      commitment: 'confirmed',
      txTtlS: 120,
      logger: testLogger,
    });
  /** Accepted check-ins/check-outs in landing (chain) order. */
  const landed: { signature: string; wallet: string; kind: 'checkin' | 'checkout'; cameraId: string }[] = [];
  /** Everything the handlers were called with, across watchers. */
  const events: ChainSessionEvent[] = [];
  let counter = 0;
  const watchers: ChainWatcher[] = [];

  /** Lands one check-in or check-out by a round-robin wallet, made by hand (no RPC round trip). */
  function landCheckin(): void {
    const i = counter++;
    const payer = wallets[i % wallets.length]!;
    const kind = i % 3 === 2 ? 'checkout' : 'checkin';
    const cameraId = i % 2 === 0 ? 'cam-a' : 'cam-b';
    const tx = handMadeCheckin({
      payer,
      camera,
      memo: `mmoment:${kind}:${cameraId}:n${String(i).padStart(8, '0')}x`,
      blockhash: rpc.svm.latestBlockhash(),
    });
    const signature = rpc.submit(tx);
    landed.push({ signature, wallet: payer.publicKey.toBase58(), kind, cameraId });
  }

  function newWatcher(handler: (event: ChainSessionEvent) => void = (event) => events.push(event)): ChainWatcher {
    const watcher = new ChainWatcher({
      database: temp.database,
      connection,
      cameraAddress: camera,
      cameraIds: CAMERA_IDS,
      commitment: 'confirmed',
      pageSize: PAGE_SIZE,
      pollMs: 50,
      consentFor: (nonce, wallet) => pending.consentFor(nonce, wallet),
      logger: testLogger,
      handler,
    });
    watchers.push(watcher);
    return watcher;
  }

  /** Every landed check-in reached a handler exactly once, in chain order. */
  function assertExactlyOnceInOrder(): void {
    assert.deepEqual(
      events.map((e) => e.signature),
      landed.map((l) => l.signature),
    );
    assert.deepEqual(
      events.map((e) => `${e.kind}:${e.cameraId}:${e.wallet}`),
      landed.map((l) => `${l.kind}:${l.cameraId}:${l.wallet}`),
    );
    const slots = events.map((e) => e.slot);
    assert.deepEqual(
      slots,
      [...slots].sort((a, b) => a - b),
    );
  }

  before(async () => {
    rpc = await SvmRpcServer.start();
    connection = new Connection(rpc.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });
    for (const wallet of wallets) rpc.airdrop(wallet.publicKey, 1_000_000_000);
    rpc.airdrop(camera, 1_000_000_000); // funded (no history), so a plain 1-lamport transfer to it lands
    temp = new TempDatabase();
    pending = newPending();
  });
  after(async () => {
    for (const watcher of watchers) await watcher.close();
    await rpc.close();
    temp.dispose();
  });

  it('delivers each check-in once, in chain order, while more land during paging; ignores the rest', async () => {
    // Noise before, between and after: none of it may reach the handler.
    const poor = Keypair.generate();
    rpc.airdrop(poor.publicKey, 100_000);
    const failed = handMadeCheckin({
      payer: poor,
      camera,
      memo: 'mmoment:checkin:cam-a:failedTx01',
      blockhash: rpc.svm.latestBlockhash(),
      lamports: 1_000_000_000, // more than it has: the transfer fails, the fee is charged
    });
    const failedSignature = rpc.submit(failed, { recordFailure: true });
    for (let i = 0; i < 100; i += 1) landCheckin();
    rpc.submit(
      handMadeCheckin({
        payer: wallets[0]!,
        camera,
        memo: 'mmoment:checkin:cam-z:otherCam01',
        blockhash: rpc.svm.latestBlockhash(),
      }),
    );
    rpc.submit(
      handMadeCheckin({
        payer: wallets[1]!,
        camera,
        memo: 'mmoment:checkin:cam-a:noSigner01',
        blockhash: rpc.svm.latestBlockhash(),
        memoSigner: null,
      }),
    );
    const plain = new Transaction({ feePayer: wallets[2]!.publicKey, recentBlockhash: rpc.svm.latestBlockhash() }).add(
      SystemProgram.transfer({ fromPubkey: wallets[2]!.publicKey, toPubkey: camera, lamports: 1 }),
    );
    plain.sign(wallets[2]!);
    rpc.submit(plain);
    // A check-in built by the server with consent, signed by the wallet, landed.
    const built = await pending.build({
      kind: 'checkin',
      wallet: wallets[3]!.publicKey.toBase58(),
      cameraId: 'cam-b',
      consent: { showName: true, keepEnrolment: true },
    });
    const consented = Transaction.from(Buffer.from(built.transaction, 'base64'));
    consented.sign(wallets[3]!);
    const consentedSignature = rpc.submit(consented);
    landed.push({
      signature: consentedSignature,
      wallet: wallets[3]!.publicKey.toBase58(),
      kind: 'checkin',
      cameraId: 'cam-b',
    });
    for (let i = 0; i < 99; i += 1) landCheckin();
    const before = landed.length; // 200

    // 5 more land each time the watcher asks for an older page (45 in all).
    let duringPaging = 0;
    rpc.onRequest((method, params) => {
      const opts = params[1] as { before?: string } | undefined;
      if (method === 'getSignaturesForAddress' && opts?.before !== undefined && duringPaging < 45) {
        for (let i = 0; i < 5; i += 1) landCheckin();
        duringPaging += 5;
      }
    });
    const watcher = newWatcher();
    const pagesBefore = rpc.calls.get('getSignaturesForAddress') ?? 0;
    try {
      const first = await watcher.pollNow();
      // 204 signatures in pages of 25: 8 full pages and a short one.
      assert.equal((rpc.calls.get('getSignaturesForAddress') ?? 0) - pagesBefore, 9);
      assert.ok(duringPaging > 0, 'nothing landed while paging');
      assert.equal(first.accepted, before);
      assert.equal(first.fetched, before + 4); // + failed, other camera, no signer, plain transfer
      assert.deepEqual(
        events.map((e) => e.signature),
        landed.slice(0, before).map((l) => l.signature),
      );
      while (duringPaging < 45) await watcher.pollNow();
    } finally {
      rpc.onRequest(undefined);
    }
    const rest = await watcher.pollNow();
    assert.equal(rest.fetched, rest.accepted);
    assertExactlyOnceInOrder();
    assert.equal(landed.length, 245);

    const withConsent = events.find((e) => e.signature === consentedSignature);
    assert.deepEqual(withConsent?.consent, { showName: true, keepEnrolment: true });
    assert.equal(withConsent?.nonce, built.memo.split(':')[3]);
    assert.ok(events.every((e) => e.blockTime !== null && Math.abs(e.blockTime - Date.now()) < 120_000));
    assert.ok(events.filter((e) => e.kind === 'checkout').every((e) => e.consent === null));

    const ignored = temp.database.db
      .prepare(`SELECT signature, reason FROM chain_signatures WHERE outcome = 'ignored' ORDER BY slot`)
      .all() as { signature: string; reason: string }[];
    assert.equal(ignored.length, 4);
    assert.equal(ignored[0]!.signature, failedSignature);
    assert.match(ignored[0]!.reason, /failed on chain/);
    assert.deepEqual(
      ignored.slice(1).map((r) => r.reason),
      ['memo names another camera (cam-z)', 'memo has no signer', 'no Memo instruction'],
    );
    assert.deepEqual(await watcher.pollNow(), { fetched: 0, accepted: 0 });
  });

  it('serializes concurrent polls', async () => {
    const watcher = watchers[0]!;
    for (let i = 0; i < 3; i += 1) landCheckin();
    const [a, b] = await Promise.all([watcher.pollNow(), watcher.pollNow()]);
    assert.deepEqual(a, { fetched: 3, accepted: 3 });
    assert.deepEqual(b, { fetched: 0, accepted: 0 });
    assertExactlyOnceInOrder();
  });

  it('after a restart on the same database file, loses and repeats nothing', async () => {
    await watchers[0]!.close();
    await watchers[0]!.close(); // idempotent
    await assert.rejects(watchers[0]!.pollNow(), /closed/);
    // Landed while no watcher runs, then more after the restart.
    for (let i = 0; i < 20; i += 1) landCheckin();
    temp.reopen();
    pending = newPending();
    const watcher = newWatcher();
    for (let i = 0; i < 29; i += 1) landCheckin();
    const polled = await watcher.pollNow();
    assert.deepEqual(polled, { fetched: 49, accepted: 49 });
    assertExactlyOnceInOrder();
    assert.equal(landed.length, 297);
  });

  it('retries an event whose handler threw on the next poll, still once', async () => {
    for (let i = 0; i < 3; i += 1) landCheckin();
    const failing = landed[landed.length - 2]!.signature;
    let threw = 0;
    const watcher = newWatcher((event) => {
      if (event.signature === failing && threw === 0) {
        threw += 1;
        throw new Error('session store unavailable');
      }
      events.push(event);
    });
    assert.equal(watcher.stats().lastSuccessAt, null, 'no poll yet');
    assert.deepEqual(await watcher.pollNow(), { fetched: 3, accepted: 1 });
    assert.equal(threw, 1);
    // The metrics' view: one handler error, two signatures left behind the position.
    const stuck = watcher.stats();
    assert.equal(stuck.handlerErrors, 1);
    assert.equal(stuck.failedPolls, 0);
    assert.equal(stuck.behindSignatures, 2);
    assert.ok(stuck.behindSlots >= 0);
    assert.ok(stuck.lastSuccessAt !== null && stuck.lastSuccessAt >= stuck.createdAt);
    const recorded = temp.database.db.prepare('SELECT 1 FROM chain_signatures WHERE signature = ?').get(failing);
    assert.equal(recorded, undefined, 'the failed event was rolled back');
    assert.deepEqual(await watcher.pollNow(), { fetched: 2, accepted: 2 });
    assertExactlyOnceInOrder();
    assert.equal(landed.length, 300);
    const caughtUp = watcher.stats();
    assert.deepEqual([caughtUp.behindSignatures, caughtUp.behindSlots], [0, 0]);
    assert.equal(caughtUp.positionSlot, events.at(-1)!.slot);
    await watcher.close();
  });

  it('start() polls on its own and backs off while the RPC node fails', async () => {
    const watcher = newWatcher();
    let failures = 0;
    rpc.onRequest((method) => {
      if (method === 'getSignaturesForAddress' && failures < 3) {
        failures += 1;
        throw new Error('node down');
      }
    });
    try {
      landCheckin();
      watcher.start();
      watcher.start(); // no second timer
      const deadline = Date.now() + 10_000;
      while (events.length < landed.length && Date.now() < deadline) await sleep(20);
    } finally {
      rpc.onRequest(undefined);
    }
    assert.equal(failures, 3);
    assertExactlyOnceInOrder();
    assert.equal(watcher.stats().failedPolls, 3, 'each failed poll counted (the errors metric)');
    await watcher.close();
  });
});
