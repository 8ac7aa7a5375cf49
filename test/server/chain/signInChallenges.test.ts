import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import { createSignInMessageText, parseSignInMessageText } from '@solana/wallet-standard-util';
import bs58 from 'bs58';
import { BadRequestError } from '../../../media/core/errors.js';
import { ChallengeCapError } from '../../../server/chain/ChallengeCapError.js';
import { CHALLENGE_PRUNE_GRACE_MS, SignInChallenges } from '../../../server/chain/SignInChallenges.js';
import { signInSite } from '../../../server/chain/signInSite.js';
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

  const issue = (): ReturnType<SignInChallenges['issue']> => challenges.issue({ wallet, cameraId: 'front-door' });

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
      site: () => ({ domain: DOMAIN, uri: URI }),
      // Large enough that the tests of one wallet above never reach them; the caps have their own.
      maxChallengesPerWallet: 100,
      maxChallenges: 1000,
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

  it('rejects a bad wallet or a multi-line camera id at issue', () => {
    assertRejected(
      () => challenges.issue({ wallet: 'not-a-wallet', cameraId: 'front-door' }),
      'wallet',
      /base58|address/i,
    );
    assertRejected(() => challenges.issue({ wallet, cameraId: 'front-door\nURI: x' }), 'cameraId', /single line/);
  });

  it('prunes challenges expired more than the grace ago, used or not, and keeps the rest', () => {
    const count = (): number => challenges.count();
    temp.database.db.prepare('DELETE FROM chain_signin_challenges').run();
    const used = issue();
    challenges.verify({ message: used.message, signature: signText(user, used.message) });
    const fresh = issue();
    assert.equal(count(), 2);
    assert.equal(challenges.prune(), 0, 'nothing expired yet: the used one is kept for "nonce already used"');
    assertRejected(
      () => challenges.verify({ message: used.message, signature: signText(user, used.message) }),
      'message',
      /nonce already used/,
    );
    const later = 300_000 + CHALLENGE_PRUNE_GRACE_MS;
    clock += later;
    try {
      assert.equal(challenges.prune(), 0, 'expired, but within the grace');
      assertRejected(
        () => challenges.verify({ message: fresh.message, signature: signText(user, fresh.message) }),
        'message',
        /challenge expired/,
      );
      clock += 1;
      const kept = issue();
      assert.equal(challenges.prune(), 2, 'both past the grace');
      assert.equal(count(), 1);
      assertRejected(
        () => challenges.verify({ message: fresh.message, signature: signText(user, fresh.message) }),
        'message',
        /unknown nonce/,
      );
      assert.deepEqual(
        challenges.verify({ message: kept.message, signature: signText(user, kept.message) }).wallet,
        wallet,
      );
    } finally {
      clock -= later + 1;
    }
  });
});

describe('SignInChallenges caps', () => {
  let temp: TempDatabase;
  const clock = Date.parse('2025-06-01T12:00:00.000Z');
  let now = clock;
  const make = (maxChallengesPerWallet: number, maxChallenges: number): SignInChallenges =>
    new SignInChallenges({
      database: temp.database,
      cluster: 'devnet',
      challengeTtlS: 60,
      site: () => ({ domain: DOMAIN, uri: URI }),
      maxChallengesPerWallet,
      maxChallenges,
      now: () => now,
      logger: testLogger,
    });
  const rows = (wallet?: string): number =>
    (
      (wallet === undefined
        ? temp.database.db.prepare('SELECT count(*) AS n FROM chain_signin_challenges').get()
        : temp.database.db
            .prepare('SELECT count(*) AS n FROM chain_signin_challenges WHERE wallet = ?')
            .get(wallet)) as {
        n: number;
      }
    ).n;

  before(() => {
    temp = new TempDatabase();
  });
  after(() => temp.dispose());

  it('keeps at most maxChallengesPerWallet per wallet: a new challenge replaces the oldest, which no longer signs in', () => {
    temp.database.db.prepare('DELETE FROM chain_signin_challenges').run();
    const challenges = make(3, 1000);
    const user = Keypair.generate();
    const wallet = user.publicKey.toBase58();
    const issued = [];
    for (let i = 0; i < 5; i++) {
      now += 1;
      issued.push(challenges.issue({ wallet, cameraId: 'cam' }));
      assert.ok(rows(wallet) <= 3, `at most 3 rows for the wallet, got ${rows(wallet)}`);
    }
    assert.equal(rows(wallet), 3);
    // The two oldest were replaced; the newest three still verify.
    for (const old of issued.slice(0, 2)) {
      assert.throws(
        () => challenges.verify({ message: old.message, signature: signText(user, old.message) }),
        /unknown nonce/,
      );
    }
    for (const kept of issued.slice(2)) {
      assert.equal(
        challenges.verify({ message: kept.message, signature: signText(user, kept.message) }).wallet,
        wallet,
      );
    }
    // Another wallet is not affected by this one's cap.
    const other = Keypair.generate().publicKey.toBase58();
    challenges.issue({ wallet: other, cameraId: 'cam' });
    assert.equal(rows(other), 1);
  });

  it('keeps at most maxChallenges in all: makes room from expired and used rows, else refuses with a retry time', () => {
    temp.database.db.prepare('DELETE FROM chain_signin_challenges').run();
    const challenges = make(5, 10);
    const first = Keypair.generate();
    const firstChallenge = challenges.issue({ wallet: first.publicKey.toBase58(), cameraId: 'cam' });
    for (let i = 0; i < 9; i++) {
      now += 1000;
      challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' });
    }
    assert.equal(rows(), 10);
    const before = dumpDatabase(temp.database);
    assert.throws(
      () => challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' }),
      (error: unknown) => {
        assert.ok(error instanceof ChallengeCapError, String(error));
        // The oldest was issued 9 s ago with a 60 s TTL: it expires in 51 s.
        assert.equal(error.retryAfterS, 51);
        return true;
      },
    );
    assert.equal(dumpDatabase(temp.database), before, 'a refused challenge stores nothing');
    // A used row makes room at once.
    challenges.verify({ message: firstChallenge.message, signature: signText(first, firstChallenge.message) });
    challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' });
    assert.equal(rows(), 10);
    // Expired rows make room at once, within the prune grace too.
    now += 60_000;
    challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' });
    assert.ok(rows() <= 10, `table under the cap: ${rows()}`);
  });
});

describe('signInSite', () => {
  it('takes the URI from publicUrl and the domain from auth.domain, else from publicUrl', () => {
    assert.deepEqual(signInSite({ publicUrl: 'https://cam.example.org', domain: undefined, boundPort: () => 1 })(), {
      domain: 'cam.example.org',
      uri: 'https://cam.example.org/',
    });
    assert.deepEqual(
      signInSite({ publicUrl: 'https://cam.example.org:8443/cam/', domain: undefined, boundPort: () => 1 })(),
      { domain: 'cam.example.org:8443', uri: 'https://cam.example.org:8443/cam/' },
    );
    assert.deepEqual(
      signInSite({ publicUrl: 'https://cam.example.org', domain: 'app.example.org', boundPort: () => 1 })(),
      { domain: 'app.example.org', uri: 'https://cam.example.org/' },
    );
  });

  it('is the loopback address and bound port without publicUrl, and refuses before listen', () => {
    let port: number | undefined = undefined;
    const site = signInSite({ publicUrl: undefined, domain: undefined, boundPort: () => port });
    assert.throws(() => site(), /not listening/);
    port = 41234;
    assert.deepEqual(site(), { domain: '127.0.0.1:41234', uri: 'http://127.0.0.1:41234/' });
  });
});
