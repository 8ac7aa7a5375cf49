import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { BadRequestError, NotFoundError } from '../../../media/core/errors.js';
import { BiometricIntegrityError } from '../../../server/biometrics/BiometricIntegrityError.js';
import { BiometricSweeper } from '../../../server/biometrics/BiometricSweeper.js';
import { testLogger } from '../../helpers/logger.js';
import { filesContaining, openStore, randomWallet, type Store } from './fixture.js';

let store: Store | undefined;
afterEach(() => {
  store?.remove();
  store = undefined;
});

/** A 512-dimension float32 embedding, unit length, as its bytes. */
function embedding(): { floats: Float32Array; bytes: Uint8Array } {
  const floats = new Float32Array(512).map(() => Math.random() - 0.5);
  const norm = Math.hypot(...floats);
  floats.forEach((v, i) => (floats[i] = v / norm));
  return { floats, bytes: new Uint8Array(floats.buffer) };
}

function flipByte(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('BiometricVault: AES-256-GCM round trip', () => {
  test('a random 4 KiB payload comes back unchanged and is not stored in clear', () => {
    store = openStore();
    const wallet = randomWallet();
    const payload = randomBytes(4096);
    const id = store.vault.put(wallet, 'face', payload, { actor: 'system:test' });
    assert.deepEqual(Buffer.from(store.vault.get(wallet, id, 'system:test')), payload);
    const row = store.database.db.prepare('SELECT ciphertext FROM biometric_blobs WHERE id = ?').get(id) as {
      ciphertext: Buffer;
    };
    assert.equal(row.ciphertext.length, 4096);
    assert.notDeepEqual(row.ciphertext, payload);
    assert.deepEqual(filesContaining(store.dir, payload.subarray(0, 64)), []);
  });

  test('a 512-float32 embedding comes back as the same floats', () => {
    store = openStore();
    const wallet = randomWallet();
    const { floats, bytes } = embedding();
    const id = store.vault.put(wallet, 'embedding', bytes, { actor: 'system:test' });
    const back = store.vault.get(wallet, id, 'system:test');
    assert.equal(back.length, 2048);
    assert.deepEqual(new Float32Array(back.buffer, back.byteOffset, 512), floats);
    assert.deepEqual(store.vault.list(wallet), [
      { id, kind: 'embedding', createdAt: store.vault.list(wallet)[0]!.createdAt, expiresAt: null, bytes: 2048 },
    ]);
    assert.equal(store.vault.hasData(wallet), true);
    assert.equal(store.vault.hasData(randomWallet()), false);
  });

  test("another wallet cannot read a wallet's blob", () => {
    store = openStore();
    const a = randomWallet();
    const id = store.vault.put(a, 'face', randomBytes(32), { actor: 'system:test' });
    store.vault.put(randomWallet(), 'face', randomBytes(32), { actor: 'system:test' });
    assert.throws(() => store!.vault.get(randomWallet(), id, 'system:test'), NotFoundError);
  });

  test('malformed input is refused with the field named', () => {
    store = openStore();
    const wallet = randomWallet();
    const bad = (fn: () => unknown, field: string): void =>
      assert.throws(fn, (e: unknown) => e instanceof BadRequestError && e.field === field);
    bad(() => store!.vault.put('not-a-wallet', 'face', randomBytes(8), { actor: 'a' }), 'wallet');
    bad(() => store!.vault.put(wallet, 'bad kind!', randomBytes(8), { actor: 'a' }), 'kind');
    bad(() => store!.vault.put(wallet, 'face', new Uint8Array(0), { actor: 'a' }), 'payload');
    bad(() => store!.vault.put(wallet, 'face', randomBytes(8), { actor: 'a', ttlMs: -5 }), 'ttlMs');
    bad(() => store!.vault.put(wallet, 'face', randomBytes(8), { actor: '' }), 'actor');
    bad(() => store!.vault.get(wallet, 'nope', 'a'), 'id');
    bad(() => store!.vault.purge(wallet, { actor: 'a', reason: '' }), 'reason');
    bad(() => store!.vault.readPackage(wallet, 'abc', 'a'), 'sha256');
  });
});

describe('BiometricVault: integrity (NIST SP 800-38D tag check)', () => {
  for (const column of ['ciphertext', 'tag', 'iv'] as const) {
    test(`one flipped bit of the stored ${column} → BiometricIntegrityError and an audit entry with result 'error'`, () => {
      store = openStore();
      const wallet = randomWallet();
      const id = store.vault.put(wallet, 'embedding', embedding().bytes, { actor: 'system:test' });
      const db = store.database.db;
      const row = db.prepare(`SELECT ${column} AS v FROM biometric_blobs WHERE id = ?`).get(id) as { v: Buffer };
      db.prepare(`UPDATE biometric_blobs SET ${column} = ? WHERE id = ?`).run(flipByte(row.v, 5), id);
      assert.throws(
        () => store!.vault.get(wallet, id, 'user:reader'),
        (e: unknown) => e instanceof BiometricIntegrityError && e.subject === 'blob',
      );
      const [last] = store.audit.list({ limit: 1 });
      assert.equal(last!.action, 'biometrics.get');
      assert.equal(last!.result, 'error');
      assert.equal(last!.actor, 'user:reader');
      assert.equal(last!.wallet, wallet);
      assert.equal(last!.detail.error, 'BiometricIntegrityError');
      assert.equal(last!.detail.id, id);
      assert.equal(store.audit.verify().ok, true);
    });
  }

  test('a blob relabelled to another kind (associated data) does not open', () => {
    store = openStore();
    const wallet = randomWallet();
    const id = store.vault.put(wallet, 'embedding', randomBytes(64), { actor: 'system:test' });
    store.database.db.prepare("UPDATE biometric_blobs SET kind = 'face' WHERE id = ?").run(id);
    assert.throws(() => store!.vault.get(wallet, id, 'system:test'), BiometricIntegrityError);
  });

  test("a wrapped key copied onto another wallet's row does not open", () => {
    store = openStore();
    const [a, b] = [randomWallet(), randomWallet()];
    store.vault.put(a, 'face', randomBytes(64), { actor: 'system:test' });
    const idB = store.vault.put(b, 'face', randomBytes(64), { actor: 'system:test' });
    store.database.db
      .prepare(
        `UPDATE biometric_keys SET (wrapped_key, iv, tag) =
         (SELECT wrapped_key, iv, tag FROM biometric_keys WHERE wallet = ?) WHERE wallet = ?`,
      )
      .run(a, b);
    assert.throws(
      () => store!.vault.get(b, idB, 'system:test'),
      (e: unknown) => e instanceof BiometricIntegrityError && e.subject === 'wrapped-key',
    );
  });
});

describe('BiometricVault: packages', () => {
  test('createPackage writes the documented JSON (0600) named by its sha256, and readPackage decrypts it', () => {
    store = openStore({ now: () => Date.parse('2026-01-02T03:04:05.678Z') });
    const wallet = randomWallet();
    const { bytes } = embedding();
    const pkg = store.vault.createPackage(wallet, bytes, {
      kind: 'face-embedding',
      cameraId: 'cam1',
      model: 'arcface-r100',
      actor: 'user:x',
    });
    assert.match(pkg.sha256, /^[0-9a-f]{64}$/);
    assert.equal(pkg.uri, `ecs-package:${pkg.sha256}`);
    assert.equal(pkg.path, join(store.dir, 'packages', wallet, `${pkg.sha256}.json`));
    assert.equal(readFileSync(pkg.path, 'utf8'), pkg.json);
    assert.equal(statSync(pkg.path).mode & 0o777, 0o600);
    const doc = JSON.parse(pkg.json) as Record<string, string>;
    assert.deepEqual(Object.keys(doc), [
      'format',
      'wallet',
      'cameraId',
      'kind',
      'model',
      'createdAt',
      'cipher',
      'iv',
      'tag',
      'ciphertext',
    ]);
    assert.equal(doc.format, 'ecs-biometric-package/1');
    assert.equal(doc.wallet, wallet);
    assert.equal(doc.createdAt, '2026-01-02T03:04:05.678Z');
    assert.equal(doc.cipher, 'AES-256-GCM');
    assert.equal(Buffer.from(doc.iv!, 'base64').length, 12);
    assert.equal(Buffer.from(doc.tag!, 'base64').length, 16);
    assert.equal(Buffer.from(doc.ciphertext!, 'base64').length, 2048);
    assert.deepEqual(Buffer.from(store.vault.readPackage(wallet, pkg.sha256, 'user:x')), Buffer.from(bytes));
    assert.throws(() => store!.vault.readPackage(wallet, '0'.repeat(64), 'user:x'), NotFoundError);
    assert.throws(() => store!.vault.readPackage(randomWallet(), pkg.sha256, 'user:x'), NotFoundError);
    assert.deepEqual(
      store.audit.list({ wallet }).map((e) => [e.action, e.result]),
      [
        ['biometrics.read-package', 'error'],
        ['biometrics.read-package', 'ok'],
        ['biometrics.create-package', 'ok'],
      ],
    );
  });

  test('an edited package file fails its hash; a re-hashed forgery fails GCM authentication', () => {
    store = openStore();
    const wallet = randomWallet();
    const pkg = store.vault.createPackage(wallet, randomBytes(256), {
      kind: 'embedding',
      cameraId: 'cam1',
      actor: 'a',
    });
    const doc = JSON.parse(pkg.json) as Record<string, unknown>;
    writeFileSync(pkg.path, JSON.stringify({ ...doc, cameraId: 'cam2' }));
    assert.throws(
      () => store!.vault.readPackage(wallet, pkg.sha256, 'a'),
      (e: unknown) => e instanceof BiometricIntegrityError && e.subject === 'package' && /hash/.test(e.message),
    );
    // An attacker who also renames the file to the new hash still cannot change the metadata.
    const forged = JSON.stringify({ ...doc, cameraId: 'cam2' });
    const sha = createHash('sha256').update(forged).digest('hex');
    writeFileSync(join(store.dir, 'packages', wallet, `${sha}.json`), forged);
    assert.throws(
      () => store!.vault.readPackage(wallet, sha, 'a'),
      (e: unknown) => e instanceof BiometricIntegrityError && /authentication/.test(e.message),
    );
  });
});

describe('BiometricVault: purge (crypto-shredding)', () => {
  /** Stores data for A (blobs, temporary blob, package) and B; returns A's secrets as stored. */
  function seed(s: Store): { a: string; b: string; bId: string; bPayload: Buffer; secrets: Buffer[]; pkgPath: string } {
    const [a, b] = [randomWallet(), randomWallet()];
    s.vault.put(a, 'face', randomBytes(4096), { actor: 'system:test' });
    s.vault.put(a, 'embedding', embedding().bytes, { actor: 'system:test' });
    s.vault.put(a, 'embedding', embedding().bytes, { actor: 'system:test', ttlMs: 60_000 });
    const pkg = s.vault.createPackage(a, embedding().bytes, {
      kind: 'embedding',
      cameraId: 'cam1',
      actor: 'system:test',
    });
    const bPayload = randomBytes(4096);
    const bId = s.vault.put(b, 'face', bPayload, { actor: 'system:test' });
    const db = s.database.db;
    const ciphertexts = (
      db.prepare('SELECT ciphertext FROM biometric_blobs WHERE wallet = ?').all(a) as { ciphertext: Buffer }[]
    ).map((r) => r.ciphertext);
    const { wrapped_key } = db.prepare('SELECT wrapped_key FROM biometric_keys WHERE wallet = ?').get(a) as {
      wrapped_key: Buffer;
    };
    assert.equal(ciphertexts.length, 3);
    assert.equal(wrapped_key.length, 32);
    const secrets = [...ciphertexts, wrapped_key];
    // The check below is only worth something if the bytes are on disk to begin with.
    for (const secret of secrets) assert.ok(chunks(secret).some((c) => filesContaining(s.dir, c).length > 0));
    return { a, b, bId, bPayload, secrets, pkgPath: pkg.path };
  }

  /**
   * The 16-byte pieces of a secret. SQLite splits a value larger than a page over overflow pages
   * (with a 4-byte link at the start of each), so a 4 KiB ciphertext never lies on disk in one
   * piece: the search is for every piece of it.
   */
  function chunks(secret: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let at = 0; at + 16 <= secret.length; at += 16) out.push(secret.subarray(at, at + 16));
    return out;
  }

  function assertShredded(s: Store, seeded: ReturnType<typeof seed>): void {
    for (const secret of seeded.secrets) {
      for (const piece of chunks(secret)) assert.deepEqual(filesContaining(s.dir, piece), [], piece.toString('hex'));
    }
  }

  test("purge deletes A's blobs, key and packages from every file in the data dir; B is untouched", async () => {
    store = openStore();
    const seeded = seed(store);
    assert.deepEqual(store.vault.stats(), {
      purges: { wallet: 0, expired: 0 },
      purged: { blob: 0, key: 0, package: 0 },
      held: { blob: 4, key: 2, package: 1 },
    });
    const result = store.vault.purge(seeded.a, { actor: 'user:a', reason: 'request' });
    assert.deepEqual(result, { blobs: 3, key: true, packages: 1 });
    // The metrics' view: one purge, A's items counted by kind, B's still held.
    assert.deepEqual(store.vault.stats(), {
      purges: { wallet: 1, expired: 0 },
      purged: { blob: 3, key: 1, package: 1 },
      held: { blob: 1, key: 1, package: 0 },
    });
    await store.vault.whenScrubbed();
    assert.equal(existsSync(seeded.pkgPath), false);
    assert.equal(store.vault.hasData(seeded.a), false);
    assert.deepEqual(store.vault.list(seeded.a), []);
    assertShredded(store, seeded); // database open: .db, -wal, -shm
    assert.deepEqual(Buffer.from(store.vault.get(seeded.b, seeded.bId, 'system:test')), seeded.bPayload);
    const [entry] = store.audit.list({ wallet: seeded.a, limit: 1 });
    assert.equal(entry!.action, 'biometrics.purge');
    assert.deepEqual(entry!.detail, { reason: 'request', blobs: 3, key: true, packages: 1 });
    store.close();
    assertShredded(store, seeded); // after close
    store.restart();
    assert.deepEqual(Buffer.from(store.vault.get(seeded.b, seeded.bId, 'system:test')), seeded.bPayload);
    assert.deepEqual(store.vault.purge(seeded.a, { actor: 'user:a', reason: 'again' }), {
      blobs: 0,
      key: false,
      packages: 0,
    });
  });

  test('purge inside an outer transaction defers the WAL scrub and still shreds everything', async () => {
    store = openStore();
    const seeded = seed(store);
    const db = store.database.db;
    const result = db.transaction(() => {
      db.prepare('SELECT 1').get(); // the caller's own work (the chain watcher's position update)
      return store!.vault.purge(seeded.a, { actor: 'system:checkout', reason: 'checkout sig' });
    })();
    assert.deepEqual(result, { blobs: 3, key: true, packages: 1 });
    assert.equal(db.inTransaction, false);
    await store.vault.whenScrubbed();
    assertShredded(store, seeded);
    assert.deepEqual(Buffer.from(store.vault.get(seeded.b, seeded.bId, 'system:test')), seeded.bPayload);
    store.close();
    assertShredded(store, seeded);
  });
});

describe('BiometricVault: temporary data', () => {
  test('expired temporary data is not returned, then purged by purgeExpired (kept data stays)', () => {
    let now = 1_700_000_000_000;
    store = openStore({ now: () => now });
    const [a, b] = [randomWallet(), randomWallet()];
    const tempA = store.vault.put(a, 'face', randomBytes(100), { actor: 'system:capture', ttlMs: 1000 });
    const keptA = store.vault.put(a, 'embedding', randomBytes(100), { actor: 'system:enrol' });
    const tempB = store.vault.put(b, 'face', randomBytes(100), { actor: 'system:capture', ttlMs: 1000 });
    assert.equal(store.vault.list(a).find((e) => e.id === tempA)?.expiresAt, now + 1000);
    assert.equal(store.vault.purgeExpired(), 0);

    now += 1000;
    assert.throws(() => store!.vault.get(a, tempA, 'system:test'), NotFoundError);
    assert.deepEqual(
      store.vault.list(a).map((e) => e.id),
      [keptA],
    );
    assert.equal(store.vault.hasData(b), true, 'expired data is still held until the sweep');

    assert.equal(store.vault.purgeExpired(), 2);
    assert.deepEqual(store.vault.stats(), {
      purges: { wallet: 0, expired: 2 },
      purged: { blob: 2, key: 1, package: 0 },
      held: { blob: 1, key: 1, package: 0 },
    });
    assert.equal(store.vault.get(a, keptA, 'system:test').length, 100);
    assert.throws(() => store!.vault.get(b, tempB, 'system:test'), NotFoundError);
    assert.equal(store.vault.hasData(b), false, "B's data key went with its last blob");
    assert.equal(store.vault.hasData(a), true);
    const sweeps = store.audit.list().filter((e) => e.action === 'biometrics.purge-expired');
    assert.deepEqual(
      sweeps.map((e) => [e.wallet, e.actor, e.detail.blobs]).sort(),
      [
        [a, 'system:expiry', 1],
        [b, 'system:expiry', 1],
      ].sort(),
    );
  });

  test('the sweeper purges expired data on its timer; close() is idempotent', async () => {
    let now = 1_700_000_000_000;
    store = openStore({ now: () => now });
    const wallet = randomWallet();
    store.vault.put(wallet, 'face', randomBytes(100), { actor: 'system:capture', ttlMs: 5000 });
    const sweeper = new BiometricSweeper({ vault: store.vault, purgeIntervalMs: 10, logger: testLogger });
    sweeper.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(store.vault.hasData(wallet), true);
      now += 5000;
      const deadline = Date.now() + 2000;
      while (store.vault.hasData(wallet) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(store.vault.hasData(wallet), false);
    } finally {
      sweeper.close();
      sweeper.close();
    }
  });
});
