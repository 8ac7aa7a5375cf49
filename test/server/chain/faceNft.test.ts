import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  TOKEN_2022_PROGRAM_ID,
  createAssociatedTokenAccountInstruction,
  createTransferCheckedInstruction,
  getAccount,
  getAssociatedTokenAddressSync,
  getMint,
  getNonTransferable,
  getTokenMetadata,
} from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SendTransactionError, Transaction } from '@solana/web3.js';
import { BadRequestError } from '../../../media/core/errors.js';
import { FaceNftBuilder } from '../../../server/chain/FaceNftBuilder.js';
import { EMBEDDING_SHA256_FIELD } from '../../../server/chain/faceNftTypes.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';

/** Polls getSignatureStatuses (no websocket) until the transaction is confirmed; throws on its error. */
async function waitConfirmed(connection: Connection, signature: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const status = (await connection.getSignatureStatuses([signature])).value[0];
    if (status?.err) throw new Error(`${signature} failed: ${JSON.stringify(status.err)}`);
    if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${signature} not confirmed`);
}

function testPackage(): { sha256: string; uri: string } {
  const encryptedPackage = randomBytes(1024);
  const sha256 = createHash('sha256').update(encryptedPackage).digest('hex');
  return { sha256, uri: `ecs-package:${sha256}` };
}

describe('FaceNftBuilder (Token-2022 non-transferable face NFT, real litesvm behind the RPC front)', () => {
  let rpc: SvmRpcServer;
  let connection: Connection;
  let builder: FaceNftBuilder;
  const camera = Keypair.generate();
  const owner = Keypair.generate();

  before(async () => {
    rpc = await SvmRpcServer.start();
    connection = new Connection(rpc.url, { commitment: 'confirmed', disableRetryOnRateLimit: true });
    builder = new FaceNftBuilder({ connection, authority: camera });
    rpc.airdrop(owner.publicKey, 2 * LAMPORTS_PER_SOL);
  });

  after(async () => {
    await rpc.close();
  });

  it('mints one non-transferable token with its metadata to the owner, who signs last and pays', async () => {
    const pkg = testPackage();
    const built = await builder.build(owner.publicKey, pkg);
    assert.equal(built.transaction.feePayer?.toBase58(), owner.publicKey.toBase58());
    assert.equal(built.transaction.recentBlockhash, built.blockhash);

    // What a wallet does: deserialize the base64, add its signature, send.
    const tx = Transaction.from(Buffer.from(built.base64, 'base64'));
    tx.partialSign(owner);
    const balanceBefore = await connection.getBalance(owner.publicKey);
    const signature = await connection.sendRawTransaction(tx.serialize());
    await waitConfirmed(connection, signature);
    assert.ok((await connection.getBalance(owner.publicKey)) < balanceBefore, 'the owner paid fee and rent');
    assert.equal(await connection.getBalance(camera.publicKey), 0, 'the camera paid nothing');

    const mint = await getMint(connection, built.mint, 'confirmed', TOKEN_2022_PROGRAM_ID);
    assert.equal(mint.supply, 1n);
    assert.equal(mint.decimals, 0);
    assert.equal(mint.mintAuthority, null);
    assert.equal(mint.freezeAuthority, null);
    assert.ok(getNonTransferable(mint), 'NonTransferable extension present');

    const metadata = await getTokenMetadata(connection, built.mint, 'confirmed');
    assert.ok(metadata);
    assert.equal(metadata.name, 'Face attestation');
    assert.equal(metadata.symbol, 'FACE');
    assert.equal(metadata.uri, pkg.uri);
    assert.deepEqual(metadata.additionalMetadata, [[EMBEDDING_SHA256_FIELD, pkg.sha256]]);
    assert.equal(metadata.updateAuthority, undefined, 'metadata is immutable');
    assert.equal(metadata.mint.toBase58(), built.mint.toBase58());

    const ata = getAssociatedTokenAddressSync(built.mint, owner.publicKey, false, TOKEN_2022_PROGRAM_ID);
    const account = await getAccount(connection, ata, 'confirmed', TOKEN_2022_PROGRAM_ID);
    assert.equal(account.amount, 1n);
    assert.equal(account.owner.toBase58(), owner.publicKey.toBase58());

    // A transfer to another wallet's Token-2022 account is refused by the program.
    const other = Keypair.generate().publicKey;
    const otherAta = getAssociatedTokenAddressSync(built.mint, other, false, TOKEN_2022_PROGRAM_ID);
    const { blockhash } = await connection.getLatestBlockhash();
    const createOther = new Transaction({ feePayer: owner.publicKey, recentBlockhash: blockhash }).add(
      createAssociatedTokenAccountInstruction(owner.publicKey, otherAta, other, built.mint, TOKEN_2022_PROGRAM_ID),
    );
    createOther.sign(owner);
    await waitConfirmed(connection, await connection.sendRawTransaction(createOther.serialize()));
    const transfer = new Transaction({ feePayer: owner.publicKey, recentBlockhash: blockhash }).add(
      createTransferCheckedInstruction(ata, built.mint, otherAta, owner.publicKey, 1, 0, [], TOKEN_2022_PROGRAM_ID),
    );
    transfer.sign(owner);
    const error = await connection.sendRawTransaction(transfer.serialize()).then(
      () => assert.fail('a transfer of a non-transferable token went through'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SendTransactionError, String(error));
    // Token-2022 TokenError::NonTransferable = 37 (0x25).
    assert.match(error.transactionError.message, /custom program error: 0x25/);
    assert.ok(
      error.logs?.some((line) => /Transfer is disabled for this mint/.test(line)),
      `logs: ${JSON.stringify(error.logs)}`,
    );
    assert.equal((await getAccount(connection, ata, 'confirmed', TOKEN_2022_PROGRAM_ID)).amount, 1n);
    assert.equal((await getAccount(connection, otherAta, 'confirmed', TOKEN_2022_PROGRAM_ID)).amount, 0n);
  });

  it('does not land without the owner signature, and nothing is minted', async () => {
    const built = await builder.build(owner.publicKey, testPackage());
    const unsigned = Buffer.from(built.base64, 'base64');
    await assert.rejects(connection.sendRawTransaction(unsigned), /signature verification failure/);
    // Sent past preflight, a validator drops it: it never gets a status and the mint never exists.
    const signature = await connection.sendRawTransaction(unsigned, { skipPreflight: true });
    assert.equal((await connection.getSignatureStatuses([signature])).value[0], null);
    assert.equal(await connection.getAccountInfo(built.mint), null);
    // A wallet cannot serialize it with all signatures required either.
    assert.throws(() => Transaction.from(unsigned).serialize(), /Signature verification failed|Missing signature/);
  });

  it('the longest uri (200 characters) still fits in one transaction', async () => {
    const pkg = { sha256: testPackage().sha256, uri: `ecs-package:${'a'.repeat(188)}` };
    assert.equal(pkg.uri.length, 200);
    const built = await builder.build(owner.publicKey, pkg);
    const tx = Transaction.from(Buffer.from(built.base64, 'base64'));
    tx.partialSign(owner);
    await waitConfirmed(connection, await connection.sendRawTransaction(tx.serialize()));
    const metadata = await getTokenMetadata(connection, built.mint, 'confirmed');
    assert.equal(metadata?.uri, pkg.uri);
  });

  it('rejects a malformed hash, uri or owner with BadRequestError naming the field', async () => {
    const good = testPackage();
    const cases: [PublicKey, { sha256: string; uri: string }, string][] = [
      [owner.publicKey, { ...good, sha256: good.sha256.slice(1) }, 'sha256'],
      [owner.publicKey, { ...good, sha256: `${good.sha256.slice(1)}g` }, 'sha256'],
      [owner.publicKey, { ...good, uri: '' }, 'uri'],
      [owner.publicKey, { ...good, uri: 'x'.repeat(201) }, 'uri'],
      [owner.publicKey, { ...good, uri: 'has space' }, 'uri'],
      [PublicKey.findProgramAddressSync([Buffer.from('pda')], TOKEN_2022_PROGRAM_ID)[0], good, 'owner'],
    ];
    for (const [who, pkg, field] of cases) {
      await assert.rejects(
        builder.build(who, pkg),
        (e: unknown) => e instanceof BadRequestError && e.field === field,
        `${field}: ${JSON.stringify(pkg)}`,
      );
    }
    assert.throws(() => new FaceNftBuilder({ connection, authority: camera, name: 'n'.repeat(33) }), TypeError);
  });
});
