import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SendTransactionError,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from '@solana/web3.js';
import bs58 from 'bs58';
import { MEMO_PROGRAM_ID } from '../../../server/chain/programIds.js';
import { SvmRpcServer } from './SvmRpcServer.js';
import { SvmTransactionError } from './SvmTransactionError.js';

/** Polls getSignatureStatuses (no websocket) until the transaction is confirmed or failed. */
async function waitConfirmed(connection: Connection, signature: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const { value } = await connection.getSignatureStatuses([signature]);
    const status = value[0];
    if (status && (status.confirmationStatus === 'confirmed' || status.confirmationStatus === 'finalized')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${signature} not confirmed`);
}

function memoTx(payer: Keypair, to: PublicKey, text: string, blockhash: string): Transaction {
  const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash });
  tx.add(
    new TransactionInstruction({
      programId: MEMO_PROGRAM_ID,
      keys: [{ pubkey: payer.publicKey, isSigner: true, isWritable: false }],
      data: Buffer.from(text, 'utf8'),
    }),
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 0 }),
  );
  tx.sign(payer);
  return tx;
}

describe('SvmRpcServer (JSON-RPC front over litesvm, through web3.js Connection)', () => {
  let rpc: SvmRpcServer;
  let connection: Connection;
  const payer = Keypair.generate();
  const camera = Keypair.generate().publicKey;

  before(async () => {
    rpc = await SvmRpcServer.start();
    connection = new Connection(rpc.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });
  });

  after(async () => {
    await rpc.close();
    await rpc.close(); // idempotent
  });

  it('binds 127.0.0.1 and answers getVersion, getSlot, getGenesisHash', async () => {
    assert.match(rpc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(typeof (await connection.getVersion())['solana-core'], 'string');
    assert.equal(typeof (await connection.getSlot()), 'number');
    assert.equal(bs58.decode(await connection.getGenesisHash()).length, 32);
  });

  it('airdrop() and requestAirdrop credit balances that getBalance reports', async () => {
    rpc.airdrop(payer.publicKey, 5 * LAMPORTS_PER_SOL);
    rpc.airdrop(payer.publicKey, 5 * LAMPORTS_PER_SOL); // repeatable
    assert.equal(await connection.getBalance(payer.publicKey), 10 * LAMPORTS_PER_SOL);
    const other = Keypair.generate().publicKey;
    const signature = await connection.requestAirdrop(other, LAMPORTS_PER_SOL);
    await waitConfirmed(connection, signature);
    assert.equal(await connection.getBalance(other), LAMPORTS_PER_SOL);
    const listed = await connection.getSignaturesForAddress(other);
    assert.deepEqual(
      listed.map((s) => s.signature),
      [signature],
    );
  });

  it('getLatestBlockhash gives a blockhash the SVM accepts, reusable for many transactions', async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
    assert.equal(bs58.decode(blockhash).length, 32);
    assert.ok(lastValidBlockHeight > (await connection.getBlockHeight()));
    const a = await connection.sendRawTransaction(memoTx(payer, camera, 'reuse 1', blockhash).serialize());
    const b = await connection.sendRawTransaction(memoTx(payer, camera, 'reuse 2', blockhash).serialize());
    await waitConfirmed(connection, a);
    await waitConfirmed(connection, b);
  });

  it('sendRawTransaction of a memo + 0-lamport transfer is confirmed, listed and decodable', async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const before = await connection.getBalance(payer.publicKey);
    const signature = await connection.sendRawTransaction(
      memoTx(payer, camera, 'check-in cam-1', blockhash).serialize(),
    );
    await waitConfirmed(connection, signature);
    const { value } = await connection.getSignatureStatuses([signature, bs58.encode(new Uint8Array(64).fill(7))]);
    assert.equal(value[0]?.err, null);
    assert.equal(value[1], null);

    const [newest] = await connection.getSignaturesForAddress(camera, { limit: 1 });
    assert.equal(newest?.signature, signature);
    assert.equal(newest?.memo, '[14] check-in cam-1');
    assert.equal(newest?.err, null);
    const nowSeconds = Date.now() / 1000;
    assert.ok(newest?.blockTime && Math.abs(newest.blockTime - nowSeconds) < 60, 'blockTime is real unix seconds');

    const tx = await connection.getTransaction(signature, {
      maxSupportedTransactionVersion: 0,
      commitment: 'confirmed',
    });
    assert.ok(tx);
    assert.equal(tx.meta?.err, null);
    assert.equal(tx.version, 'legacy');
    assert.equal(tx.meta?.fee, 5000);
    assert.equal(tx.meta?.preBalances[0], before);
    assert.equal(tx.meta?.postBalances[0], before - 5000);
    const keys = tx.transaction.message.staticAccountKeys;
    const memoIx = tx.transaction.message.compiledInstructions.find((ix) =>
      keys[ix.programIdIndex]?.equals(MEMO_PROGRAM_ID),
    );
    assert.ok(memoIx);
    assert.equal(Buffer.from(memoIx.data).toString('utf8'), 'check-in cam-1');
    assert.equal(keys[0]?.toBase58(), payer.publicKey.toBase58(), 'fee payer first');
    assert.ok(keys.some((k) => k.equals(camera)));
    assert.equal(await connection.getTransaction(bs58.encode(new Uint8Array(64).fill(9))), null);
  });

  it('getSignaturesForAddress pages newest first with before/until (exclusive) and limit', async () => {
    const address = Keypair.generate().publicKey;
    const { blockhash } = await connection.getLatestBlockhash();
    const sent: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      sent.push(rpc.submit(memoTx(payer, address, `page ${i}`, blockhash)));
    }
    const newestFirst = [...sent].reverse();
    const all = await connection.getSignaturesForAddress(address);
    assert.deepEqual(
      all.map((s) => s.signature),
      newestFirst,
    );
    const slots = all.map((s) => s.slot);
    assert.deepEqual(
      slots,
      [...new Set(slots)].sort((x, y) => y - x),
      'distinct, decreasing slots',
    );

    // pages of 7 walked with `before`
    const paged: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await connection.getSignaturesForAddress(address, { limit: 7, before: cursor });
      if (page.length === 0) break;
      assert.ok(page.length <= 7);
      paged.push(...page.map((s) => s.signature));
      cursor = page[page.length - 1]?.signature;
    }
    assert.deepEqual(paged, newestFirst);

    // until is exclusive; before and until together give the open interval
    const sinceTen = await connection.getSignaturesForAddress(address, { until: sent[9] });
    assert.deepEqual(
      sinceTen.map((s) => s.signature),
      newestFirst.slice(0, 20),
    );
    const between = await connection.getSignaturesForAddress(address, { before: sent[20], until: sent[9] });
    assert.deepEqual(
      between.map((s) => s.signature),
      sent.slice(10, 20).reverse(),
    );
    const limited = await connection.getSignaturesForAddress(address, { before: sent[20], until: sent[9], limit: 3 });
    assert.deepEqual(
      limited.map((s) => s.signature),
      [sent[19], sent[18], sent[17]],
    );
    assert.deepEqual(await connection.getSignaturesForAddress(address, { until: sent[29] }), []);
    // before/until may name a transaction of another address: bounds are by slot, as agave's
    const elsewhere = rpc.submit(memoTx(payer, Keypair.generate().publicKey, 'elsewhere', blockhash));
    assert.equal((await connection.getSignaturesForAddress(address, { before: elsewhere })).length, 30);
    assert.deepEqual(await connection.getSignaturesForAddress(address, { until: elsewhere }), []);
    const unknown = bs58.encode(new Uint8Array(64).fill(3));
    assert.deepEqual(await connection.getSignaturesForAddress(address, { before: unknown }), []);
    assert.equal((await connection.getSignaturesForAddress(address, { until: unknown })).length, 30);
    await assert.rejects(connection.getSignaturesForAddress(address, { limit: 1001 }), /limit/);
  });

  it('onRequest runs before each answer and can land transactions between pages; calls counts methods', async () => {
    const address = Keypair.generate().publicKey;
    const { blockhash } = await connection.getLatestBlockhash();
    const first = rpc.submit(memoTx(payer, address, 'first', blockhash));
    let landedMeanwhile: string | undefined;
    rpc.onRequest((method) => {
      if (method === 'getSignaturesForAddress' && landedMeanwhile === undefined) {
        landedMeanwhile = rpc.submit(memoTx(payer, address, 'meanwhile', blockhash));
      }
    });
    const countBefore = rpc.calls.get('getSignaturesForAddress') ?? 0;
    const page = await connection.getSignaturesForAddress(address);
    rpc.onRequest(undefined);
    assert.deepEqual(
      page.map((s) => s.signature),
      [landedMeanwhile, first],
    );
    assert.equal(rpc.calls.get('getSignaturesForAddress'), countBefore + 1);
  });

  it('a failing transaction: preflight error with logs and nothing recorded; skipPreflight records its err', async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const poor = Keypair.generate();
    rpc.airdrop(poor.publicKey, LAMPORTS_PER_SOL);
    const target = Keypair.generate().publicKey;
    const overspend = (lamports: number): Transaction => {
      const tx = new Transaction({ feePayer: poor.publicKey, recentBlockhash: blockhash });
      tx.add(SystemProgram.transfer({ fromPubkey: poor.publicKey, toPubkey: target, lamports }));
      tx.sign(poor);
      return tx;
    };

    const failing = overspend(2 * LAMPORTS_PER_SOL);
    const error = await connection.sendRawTransaction(failing.serialize()).then(
      () => assert.fail('expected a preflight failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SendTransactionError, String(error));
    assert.match(error.transactionError.message, /^Transaction simulation failed: Error processing Instruction 0/);
    assert.ok(error.logs?.some((line) => /insufficient lamports/.test(line)));
    assert.equal((await connection.getSignatureStatuses([bs58.encode(failing.signature!)])).value[0], null);
    assert.equal(await connection.getBalance(poor.publicKey), LAMPORTS_PER_SOL, 'preflight charges nothing');

    const recorded = await connection.sendRawTransaction(failing.serialize(), { skipPreflight: true });
    assert.equal(recorded, bs58.encode(failing.signature!));
    const status = (await connection.getSignatureStatuses([recorded])).value[0];
    assert.deepEqual(status?.err, { InstructionError: [0, { Custom: 1 }] });
    const [listed] = await connection.getSignaturesForAddress(target);
    assert.equal(listed?.signature, recorded);
    assert.deepEqual(listed?.err, { InstructionError: [0, { Custom: 1 }] });
    const tx = await connection.getTransaction(recorded, { maxSupportedTransactionVersion: 0 });
    assert.deepEqual(tx?.meta?.err, { InstructionError: [0, { Custom: 1 }] });
    assert.equal(await connection.getBalance(poor.publicKey), LAMPORTS_PER_SOL - 5000, 'the failed tx paid its fee');

    // submit(): throws with the logs, or records with recordFailure
    const again = overspend(3 * LAMPORTS_PER_SOL);
    assert.throws(
      () => rpc.submit(again),
      (e: unknown) => e instanceof SvmTransactionError && e.logs.some((line) => /insufficient lamports/.test(line)),
    );
    assert.equal(
      await connection.getBalance(poor.publicKey),
      LAMPORTS_PER_SOL - 5000,
      'a thrown submit charges nothing',
    );
    const kept = rpc.submit(overspend(4 * LAMPORTS_PER_SOL), { recordFailure: true });
    assert.equal(
      await connection.getBalance(poor.publicKey),
      LAMPORTS_PER_SOL - 10000,
      'a recorded failure pays its fee',
    );
    assert.notEqual((await connection.getSignatureStatuses([kept])).value[0]?.err, null);
  });

  it('an unsigned transaction fails signature verification in preflight', async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash });
    tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: camera, lamports: 1 }));
    const wire = tx.serialize({ requireAllSignatures: false, verifySignatures: false });
    await assert.rejects(connection.sendRawTransaction(wire), /signature verification failure/);
  });

  it('getAccountInfo of a missing account is null; jsonParsed and unknown methods are JSON-RPC errors', async () => {
    assert.equal(await connection.getAccountInfo(Keypair.generate().publicKey), null);
    const info = await connection.getAccountInfo(payer.publicKey);
    assert.equal(info?.owner.toBase58(), SystemProgram.programId.toBase58());
    assert.equal(info?.data.length, 0);
    await assert.rejects(connection.getParsedAccountInfo(payer.publicKey), /not supported/);
    assert.ok((await connection.getMinimumBalanceForRentExemption(82)) > 0);

    const response = await fetch(rpc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'getNoSuchThing', params: [] }),
    });
    const body = (await response.json()) as { id: string; error: { code: number } };
    assert.equal(body.id, 'x');
    assert.equal(body.error.code, -32601);
    assert.equal(rpc.calls.get('(websocket)'), undefined, 'no websocket was opened');
  });
});
