import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import { createSignInMessageText, parseSignInMessageText } from '@solana/wallet-standard-util';
import bs58 from 'bs58';
import { BadRequestError } from '../../../media/core/errors.js';
import { SignInChallenges } from '../../../server/chain/SignInChallenges.js';
import { testLogger } from '../../helpers/logger.js';
import { dumpDatabase } from '../../helpers/sqliteDump.js';
import { signBytes, TempDatabase } from './chainFixtures.js';

const DOMAIN = 'cam.example:8443';
const URI = 'https://cam.example:8443/';

/** Base58 ed25519 signature of the utf8 text by `keypair`. */
function signText(keypair: Keypair, text: string): string {
  return bs58.encode(signBytes(keypair, Buffer.from(text, 'utf8')));
}

describe('SignInChallenges (Sign-In With Solana)', () => {
  let temp: TempDatabase;
  let challenges: SignInChallenges;
  let clock = Date.parse('2025-06-01T12:00:00.000Z');
  const user = Keypair.generate();
  const wallet = user.publicKey.toBase58();

  const issue = (): ReturnType<SignInChallenges['issue']> =>
    challenges.issue({ wallet, cameraId: 'front-door', domain: DOMAIN, uri: URI });

  /** Asserts `fn` throws BadRequestError(field, message ~ pattern) and no table changed. */
  function assertRejected(fn: () => unknown, field: string, pattern: RegExp): void {
    const before = dumpDatabase(temp.database);
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${String(error)}`);
      assert.equal(error.field, field);
      assert.match(error.message, pattern);
      return true;
    });
    assert.equal(dumpDatabase(temp.database), before, 'the database changed');
  }

  before(() => {
    temp = new TempDatabase();
    challenges = new SignInChallenges({
      database: temp.database,
      cluster: 'devnet',
      challengeTtlS: 300,
      now: () => clock,
      logger: testLogger,
    });
  });
  after(() => temp.dispose());

  it('issues a SIWS message a wallet reproduces from the input, then verifies it once', () => {
    const challenge = issue();
    // What a wallet's solana:signIn feature would produce from `input` is exactly the message.
    assert.equal(createSignInMessageText(challenge.input), challenge.message);
    assert.ok(challenge.message.startsWith(`${DOMAIN} wants you to sign in with your Solana account:\n${wallet}\n`));
    const parsed = parseSignInMessageText(challenge.message);
    assert.equal(parsed?.chainId, 'solana:devnet');
    assert.equal(parsed?.version, '1');
    assert.deepEqual(parsed?.resources, ['urn:ecs:camera:front-door']);
    assert.equal(challenge.issuedAt, '2025-06-01T12:00:00.000Z');
    assert.equal(challenge.expirationTime, '2025-06-01T12:05:00.000Z');
    assert.match(challenge.nonce, /^[A-Za-z0-9]{16,}$/, 'nonce: ≥ 96 bits, alphanumeric');
    assert.notEqual(issue().nonce, challenge.nonce);

    const result = challenges.verify({ message: challenge.message, signature: signText(user, challenge.message) });
    assert.deepEqual(result, { wallet, cameraId: 'front-door', nonce: challenge.nonce });
  });

  it('rejects a replayed nonce', () => {
    const { message } = issue();
    const signature = signText(user, message);
    challenges.verify({ message, signature });
    assertRejected(() => challenges.verify({ message, signature }), 'message', /nonce already used/);
  });

  it('rejects an expired challenge', () => {
    const { message } = issue();
    const signature = signText(user, message);
    clock += 300_000;
    try {
      assertRejected(() => challenges.verify({ message, signature }), 'message', /challenge expired/);
    } finally {
      clock -= 300_000;
    }
  });

  it('rejects a message signed for another domain', () => {
    const { message } = issue();
    const forged = message.replace(`${DOMAIN} wants`, 'evil.example wants');
    assertRejected(
      () => challenges.verify({ message: forged, signature: signText(user, forged) }),
      'message',
      /domain mismatch: expected cam\.example:8443, got evil\.example/,
    );
  });

  it('rejects a message with the chain id changed', () => {
    const { message } = issue();
    const forged = message.replace('Chain ID: solana:devnet', 'Chain ID: solana:mainnet');
    assert.notEqual(forged, message);
    assertRejected(
      () => challenges.verify({ message: forged, signature: signText(user, forged) }),
      'message',
      /chain id mismatch/,
    );
  });

  it('rejects a message naming another address', () => {
    const { message } = issue();
    const other = Keypair.generate();
    const forged = message.replace(wallet, other.publicKey.toBase58());
    assertRejected(
      () => challenges.verify({ message: forged, signature: signText(other, forged) }),
      'wallet',
      /address mismatch/,
    );
  });

  it('rejects a signature by another key', () => {
    const { message } = issue();
    assertRejected(
      () => challenges.verify({ message, signature: signText(Keypair.generate(), message) }),
      'signature',
      new RegExp(`signature does not verify for ${wallet}`),
    );
  });

  it('rejects a tampered message (one character changed)', () => {
    const { message } = issue();
    const signature = signText(user, message);
    const at = message.indexOf('front-door.');
    const tampered = `${message.slice(0, at)}Front-door.${message.slice(at + 'front-door.'.length)}`;
    assertRejected(() => challenges.verify({ message: tampered, signature }), 'message', /statement differs/);
    const uriAt = message.indexOf('URI: https') + 'URI: http'.length;
    const tamperedUri = `${message.slice(0, uriAt)}x${message.slice(uriAt + 1)}`;
    assertRejected(() => challenges.verify({ message: tamperedUri, signature }), 'message', /uri differs/);
    // Extra trailing text the parser tolerates is still not the issued message.
    assertRejected(() => challenges.verify({ message: `${message}\n`, signature }), 'message', /message differs/);
  });

  it('rejects a malformed base58 signature and one of the wrong length', () => {
    const { message } = issue();
    const good = signText(user, message);
    assertRejected(
      () => challenges.verify({ message, signature: `0OIl${good.slice(4)}` }),
      'signature',
      /signature is not valid base58/,
    );
    assertRejected(
      () =>
        challenges.verify({ message, signature: bs58.encode(signBytes(user, Buffer.from(message)).subarray(0, 63)) }),
      'signature',
      /64 bytes, got 63/,
    );
  });

  it('rejects an unknown nonce and text that is not a SIWS message', () => {
    const { input } = issue();
    const unknown = createSignInMessageText({ ...input, nonce: 'AbCdEfGh12345678' });
    assertRejected(
      () => challenges.verify({ message: unknown, signature: signText(user, unknown) }),
      'message',
      /unknown nonce/,
    );
    assertRejected(
      () => challenges.verify({ message: 'hello', signature: signText(user, 'hello') }),
      'message',
      /not a Sign-In With Solana message/,
    );
  });

  it('rejects a bad wallet or a multi-line domain at issue', () => {
    assert.throws(
      () => challenges.issue({ wallet: 'not-a-wallet', cameraId: 'front-door', domain: DOMAIN, uri: URI }),
      (error: unknown) => error instanceof BadRequestError && error.field === 'wallet',
    );
    assert.throws(
      () => challenges.issue({ wallet, cameraId: 'front-door', domain: `${DOMAIN}\nURI: x`, uri: URI }),
      (error: unknown) => error instanceof BadRequestError && error.field === 'domain',
    );
  });

  it('prunes used challenges and those expired more than an hour ago', () => {
    const count = (): number =>
      (temp.database.db.prepare('SELECT count(*) AS n FROM chain_signin_challenges').get() as { n: number }).n;
    const fresh = issue();
    const total = count();
    const used =
      total -
      (
        temp.database.db.prepare('SELECT count(*) AS n FROM chain_signin_challenges WHERE used_at IS NULL').get() as {
          n: number;
        }
      ).n;
    assert.equal(challenges.prune(), used);
    clock += 300_000 + 3_600_000 + 1;
    try {
      assert.equal(challenges.prune(), total - used);
      assert.equal(count(), 0);
      assertRejected(
        () => challenges.verify({ message: fresh.message, signature: signText(user, fresh.message) }),
        'message',
        /unknown nonce/,
      );
    } finally {
      clock -= 300_000 + 3_600_000 + 1;
    }
  });
});
