import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import { createTestKeypair } from './testKeypair.js';
import { parseTransaction, readCompactU16, signTransactionBytes } from './transactionWire.js';

const user = createTestKeypair();
const userKey = new PublicKey(user.address);
/** Ed25519 over `message` with the user's seed (node:crypto, from a JWK built of seed and public key). */
const signer = async (message: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(
    sign(
      null,
      message,
      createPrivateKey({
        key: {
          kty: 'OKP',
          crv: 'Ed25519',
          d: Buffer.from(user.seed).toString('base64url'),
          x: Buffer.from(user.publicKey).toString('base64url'),
        },
        format: 'jwk',
      }),
    ),
  );
const blockhash = Keypair.generate().publicKey.toBase58();

describe('test wallet: transaction wire format (solana.com/docs/core/transactions)', () => {
  it('reads compact-u16 values of 1, 2 and 3 bytes', () => {
    assert.deepEqual(readCompactU16(Uint8Array.of(0x05), 0), { value: 5, size: 1 });
    assert.deepEqual(readCompactU16(Uint8Array.of(0x80, 0x01), 0), { value: 128, size: 2 });
    assert.deepEqual(readCompactU16(Uint8Array.of(0xff, 0xff, 0x03), 0), { value: 0xffff, size: 3 });
    assert.throws(() => readCompactU16(Uint8Array.of(0x80), 0), RangeError);
  });

  it('signs the user slot of a legacy transaction with a co-signer, leaving the other slot empty', async () => {
    const cosigner = Keypair.generate();
    const tx = new Transaction({ feePayer: userKey, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: userKey, toPubkey: cosigner.publicKey, lamports: 0 }),
      SystemProgram.transfer({ fromPubkey: cosigner.publicKey, toPubkey: userKey, lamports: 0 }),
    );
    const wire = new Uint8Array(tx.serialize({ requireAllSignatures: false, verifySignatures: false }));
    const layout = parseTransaction(wire);
    assert.equal(layout.version, 'legacy');
    assert.equal(layout.signatureCount, 2);
    const signed = Transaction.from(await signTransactionBytes(wire, user.publicKey, signer));
    assert.equal(signed.signatures[0]!.publicKey.toBase58(), user.address);
    assert.equal(signed.signatures[1]!.signature, null, 'the co-signer slot stays empty');
    signed.partialSign(cosigner);
    assert.equal(signed.verifySignatures(), true);
  });

  it('signs a version 0 transaction', async () => {
    const message = new TransactionMessage({
      payerKey: userKey,
      recentBlockhash: blockhash,
      instructions: [
        SystemProgram.transfer({ fromPubkey: userKey, toPubkey: Keypair.generate().publicKey, lamports: 1 }),
      ],
    }).compileToV0Message();
    const wire = new VersionedTransaction(message).serialize();
    assert.equal(parseTransaction(wire).version, 0);
    const signed = VersionedTransaction.deserialize(await signTransactionBytes(wire, user.publicKey, signer));
    const expected = await signer(signed.message.serialize());
    assert.deepEqual(signed.signatures[0], expected);
  });

  it('refuses a transaction the wallet is not a signer of', async () => {
    const other = Keypair.generate().publicKey;
    const tx = new Transaction({ feePayer: other, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: other, toPubkey: userKey, lamports: 1 }),
    );
    const wire = new Uint8Array(tx.serialize({ requireAllSignatures: false, verifySignatures: false }));
    await assert.rejects(signTransactionBytes(wire, user.publicKey, signer), /not a signer/);
  });
});
