import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Connection, Keypair, SystemProgram, Transaction, TransactionInstruction } from '@solana/web3.js';
import { BadRequestError } from '../../../media/core/errors.js';
import { CheckinTransactions } from '../../../server/chain/CheckinTransactions.js';
import { MEMO_PROGRAM_ID } from '../../../server/chain/programIds.js';
import { TransactionRelay } from '../../../server/chain/TransactionRelay.js';
import { testLogger } from '../../helpers/logger.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';
import { handMadeCheckin, signBytes, TempDatabase } from './chainFixtures.js';

const CAMERA_ID = 'front-door';
const TX_TTL_S = 120;

describe('CheckinTransactions + TransactionRelay on the SVM', () => {
  let rpc: SvmRpcServer;
  let connection: Connection;
  let temp: TempDatabase;
  let pending: CheckinTransactions;
  let relay: TransactionRelay;
  let clock = Date.parse('2025-06-01T12:00:00.000Z');
  const camera = Keypair.generate().publicKey;
  const user = Keypair.generate();
  const wallet = user.publicKey.toBase58();

  const makeRelay = (confirmTimeoutMs: number): TransactionRelay =>
    new TransactionRelay({
      database: temp.database,
      connection,
      pending,
      commitment: 'confirmed',
      confirmTimeoutMs,
      pollMs: 20,
      now: () => clock,
      logger: testLogger,
    });

  /** Builds a check-in for `user` and returns it decoded (unsigned). */
  async function buildCheckin(): Promise<{
    tx: Transaction;
    built: Awaited<ReturnType<CheckinTransactions['build']>>;
  }> {
    const built = await pending.build({ kind: 'checkin', wallet, cameraId: CAMERA_ID });
    return { tx: Transaction.from(Buffer.from(built.transaction, 'base64')), built };
  }

  const wire = (tx: Transaction): string =>
    tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');

  /** Asserts the submit is rejected with BadRequestError('transaction', ~pattern) and no table changed. */
  async function assertRejected(
    req: { transaction: string; wallet?: string; cameraId?: string },
    pattern: RegExp,
  ): Promise<void> {
    const before = dumpDatabase(temp.database);
    const sent = rpc.calls.get('sendTransaction') ?? 0;
    await assert.rejects(relay.submit({ wallet, cameraId: CAMERA_ID, ...req }), (error: unknown) => {
      assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${String(error)}`);
      assert.equal(error.field, 'transaction');
      assert.match(error.message, pattern);
      return true;
    });
    assert.equal(dumpDatabase(temp.database), before, 'the database changed');
    assert.equal(rpc.calls.get('sendTransaction') ?? 0, sent, 'a rejected transaction reached the RPC node');
  }

  before(async () => {
    rpc = await SvmRpcServer.start();
    connection = new Connection(rpc.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });
    rpc.airdrop(user.publicKey, 1_000_000_000);
    temp = new TempDatabase();
    pending = new CheckinTransactions({
      database: temp.database,
      connection,
      cameraAddress: camera,
      commitment: 'confirmed',
      txTtlS: TX_TTL_S,
      now: () => clock,
      logger: testLogger,
    });
    relay = makeRelay(5000);
  });
  after(async () => {
    await rpc.close();
    temp.dispose();
  });

  it('builds a check-in the wallet signs; the relay lands it and the camera address lists it', async () => {
    const built = await pending.build({
      kind: 'checkin',
      wallet,
      cameraId: CAMERA_ID,
      consent: { showName: true, keepEnrolment: false },
    });
    assert.match(built.memo, new RegExp(`^mmoment:checkin:${CAMERA_ID}:[A-Za-z0-9]{16,}$`));
    assert.equal(built.expiresAt, new Date(clock + TX_TTL_S * 1000).toISOString());
    const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
    assert.equal(tx.feePayer?.toBase58(), wallet);
    assert.equal(tx.recentBlockhash, built.blockhash);
    assert.ok(tx.instructions[0]?.programId.equals(MEMO_PROGRAM_ID));
    assert.equal(tx.instructions[0]?.data.toString('utf8'), built.memo);
    assert.ok(tx.instructions[1]?.programId.equals(SystemProgram.programId));

    tx.sign(user); // what a wallet does
    const result = await relay.submit({ transaction: wire(tx), wallet, cameraId: CAMERA_ID });
    assert.equal(result.kind, 'checkin');
    assert.equal(result.txId, built.txId);

    const onChain = await connection.getTransaction(result.signature, { commitment: 'confirmed' });
    assert.equal(onChain?.meta?.err, null);
    assert.equal(onChain?.slot, result.slot);
    const listed = await connection.getSignaturesForAddress(camera, { limit: 10 }, 'confirmed');
    assert.ok(listed.some((info) => info.signature === result.signature));
    assert.deepEqual(pending.consentFor(built.memo.split(':')[3]!, wallet), { showName: true, keepEnrolment: false });
    assert.equal(pending.consentFor(built.memo.split(':')[3]!, Keypair.generate().publicKey.toBase58()), null);
    const row = temp.database.db
      .prepare('SELECT status, signature FROM chain_transactions WHERE tx_id = ?')
      .get(built.txId);
    assert.deepEqual(row, { status: 'confirmed', signature: result.signature });
  });

  it('relays a check-out too', async () => {
    const built = await pending.build({ kind: 'checkout', wallet, cameraId: CAMERA_ID });
    assert.match(built.memo, /^mmoment:checkout:front-door:/);
    const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
    tx.sign(user);
    const result = await relay.submit({ transaction: wire(tx), wallet, cameraId: CAMERA_ID });
    assert.equal(result.kind, 'checkout');
    assert.equal(pending.consentFor(built.memo.split(':')[3]!, wallet), null);
  });

  it('rejects a double submit', async () => {
    const { tx } = await buildCheckin();
    tx.sign(user);
    await relay.submit({ transaction: wire(tx), wallet, cameraId: CAMERA_ID });
    await assertRejected({ transaction: wire(tx) }, /already submitted/);
  });

  it('rejects a built transaction signed by another wallet, or unsigned', async () => {
    const { tx } = await buildCheckin();
    await assertRejected({ transaction: wire(tx) }, new RegExp(`not signed by ${wallet}`));
    const other = Keypair.generate();
    tx.addSignature(user.publicKey, signBytes(other, tx.serializeMessage()));
    await assertRejected({ transaction: wire(tx) }, new RegExp(`not signed by ${wallet}`));
  });

  it('rejects a transaction built for another wallet', async () => {
    const { tx } = await buildCheckin();
    tx.sign(user);
    await assertRejected(
      { transaction: wire(tx), wallet: Keypair.generate().publicKey.toBase58() },
      /built for another wallet/,
    );
  });

  it('rejects a hand-made check-in for another camera and one the server did not build', async () => {
    const { built } = await buildCheckin();
    const nonce = built.memo.split(':')[3]!;
    const otherCamera = handMadeCheckin({
      payer: user,
      camera,
      memo: `mmoment:checkin:back-door:${nonce}`,
      blockhash: built.blockhash,
    });
    await assertRejected({ transaction: wire(otherCamera) }, /not built by this server/);
    // Byte-for-byte what the server would build, but with a nonce it never issued.
    const lookalike = handMadeCheckin({
      payer: user,
      camera,
      memo: `mmoment:checkin:${CAMERA_ID}:AAAAAAAAAAAAAAAAAAAAAA`,
      blockhash: built.blockhash,
    });
    await assertRejected({ transaction: wire(lookalike) }, /not built by this server/);
    const plain = new Transaction({ feePayer: user.publicKey, recentBlockhash: built.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: user.publicKey, toPubkey: camera, lamports: 1 }),
    );
    plain.sign(user);
    await assertRejected({ transaction: wire(plain) }, /not built by this server/);
  });

  it('rejects a transaction built for this camera id submitted for another', async () => {
    const { tx } = await buildCheckin();
    tx.sign(user);
    await assertRejected({ transaction: wire(tx), cameraId: 'back-door' }, /not built by this server/);
  });

  it('rejects a built transaction altered (blockhash, memo)', async () => {
    const { tx, built } = await buildCheckin();
    const otherHash = Transaction.from(Buffer.from(built.transaction, 'base64'));
    otherHash.recentBlockhash = Keypair.generate().publicKey.toBase58();
    otherHash.sign(user);
    await assertRejected({ transaction: wire(otherHash) }, /not built by this server/);

    const otherMemo = new Transaction({ feePayer: user.publicKey, recentBlockhash: built.blockhash }).add(
      new TransactionInstruction({
        programId: MEMO_PROGRAM_ID,
        keys: tx.instructions[0]!.keys,
        data: Buffer.from(built.memo.replace('checkin', 'checkout'), 'utf8'),
      }),
      tx.instructions[1]!,
    );
    otherMemo.sign(user);
    await assertRejected({ transaction: wire(otherMemo) }, /not built by this server/);
  });

  it('rejects an expired transaction', async () => {
    const { tx } = await buildCheckin();
    tx.sign(user);
    clock += TX_TTL_S * 1000;
    try {
      await assertRejected({ transaction: wire(tx) }, /transaction expired: build a new one/);
    } finally {
      clock -= TX_TTL_S * 1000;
    }
  });

  it('rejects bytes that are not base64 or not a transaction', async () => {
    await assertRejected({ transaction: 'not base64!' }, /not valid base64/);
    await assertRejected(
      { transaction: Buffer.from('hello world, not a tx').toString('base64') },
      /not a Solana transaction/,
    );
    const { tx } = await buildCheckin();
    tx.sign(user);
    const trailing = Buffer.concat([tx.serialize(), Buffer.from([0])]).toString('base64');
    await assertRejected({ transaction: trailing }, /not a Solana transaction/);
  });

  it('reports a preflight failure with the program logs and accepts the transaction once it can land', async () => {
    const poor = Keypair.generate();
    const built = await pending.build({ kind: 'checkin', wallet: poor.publicKey.toBase58(), cameraId: CAMERA_ID });
    const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
    tx.sign(poor);
    const req = { transaction: wire(tx), wallet: poor.publicKey.toBase58(), cameraId: CAMERA_ID };
    await assert.rejects(relay.submit(req), (error: unknown) => {
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.field, 'transaction');
      assert.match(error.message, /^transaction rejected: /);
      return true;
    });
    const row = () =>
      temp.database.db.prepare('SELECT status, signature FROM chain_transactions WHERE tx_id = ?').get(built.txId);
    assert.deepEqual(row(), { status: 'built', signature: null });
    rpc.airdrop(poor.publicKey, 10_000_000);
    const result = await relay.submit(req);
    assert.deepEqual(row(), { status: 'confirmed', signature: result.signature });
  });

  it('gives up after confirmTimeoutMs and leaves the transaction submitted', async () => {
    const { tx, built } = await buildCheckin();
    tx.sign(user);
    rpc.onRequest((method) => {
      if (method === 'getSignatureStatuses') throw new Error('node is lagging');
    });
    try {
      await assert.rejects(
        makeRelay(300).submit({ transaction: wire(tx), wallet, cameraId: CAMERA_ID }),
        /not confirmed within 300 ms/,
      );
    } finally {
      rpc.onRequest(undefined);
    }
    const row = temp.database.db
      .prepare('SELECT status, signature FROM chain_transactions WHERE tx_id = ?')
      .get(built.txId) as { status: string; signature: string };
    assert.equal(row.status, 'submitted');
    assert.ok((await connection.getSignatureStatuses([row.signature])).value[0], 'it did land');
    await assertRejected({ transaction: wire(tx) }, /already submitted/);
  });

  it('relays a registered face-NFT transaction, checking the co-signer too', async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
    const mint = Keypair.generate();
    const make = (): Transaction =>
      new Transaction({ feePayer: user.publicKey, blockhash, lastValidBlockHeight }).add(
        new TransactionInstruction({
          programId: MEMO_PROGRAM_ID,
          keys: [
            { pubkey: user.publicKey, isSigner: true, isWritable: false },
            { pubkey: mint.publicKey, isSigner: true, isWritable: false },
          ],
          data: Buffer.from('face nft stand-in', 'utf8'),
        }),
      );
    const tx = make();
    tx.partialSign(mint);
    const { txId } = pending.register({
      kind: 'face-nft',
      wallet,
      cameraId: CAMERA_ID,
      transaction: tx,
      lastValidBlockHeight,
    });
    assert.throws(
      () => pending.register({ kind: 'face-nft', wallet, cameraId: CAMERA_ID, transaction: tx, lastValidBlockHeight }),
      /registered already/,
    );

    // The wallet gets the base64, adds its signature.
    const wallets = Transaction.from(tx.serialize({ requireAllSignatures: false }));
    wallets.partialSign(user);
    const withoutMint = make();
    withoutMint.partialSign(user);
    await assertRejected({ transaction: wire(withoutMint) }, new RegExp(`not signed by ${mint.publicKey.toBase58()}`));
    const result = await relay.submit({ transaction: wire(wallets), wallet, cameraId: CAMERA_ID });
    assert.equal(result.kind, 'face-nft');
    assert.equal(result.txId, txId);
  });
});
