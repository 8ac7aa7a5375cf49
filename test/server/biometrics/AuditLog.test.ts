import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, test } from 'node:test';
import { BadRequestError } from '../../../media/core/errors.js';
import { GENESIS_HASH } from '../../../server/biometrics/AuditLog.js';
import { openStore, randomWallet, type Store } from './fixture.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let store: Store | undefined;
afterEach(() => {
  store?.remove();
  store = undefined;
});

/** Runs the audit CLI as an operator would. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/audit.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A store with one entry of every vault operation (seq 1 to 7). */
function populated(): { s: Store; wallet: string } {
  let now = 1_700_000_000_000;
  const s = openStore({ now: () => now++ });
  const wallet = randomWallet();
  const id = s.vault.put(wallet, 'embedding', randomBytes(2048), { actor: 'system:enrol' });
  s.vault.get(wallet, id, 'user:me');
  s.vault.put(wallet, 'face', randomBytes(100), { actor: 'system:capture', ttlMs: 10 });
  const pkg = s.vault.createPackage(wallet, randomBytes(2048), {
    kind: 'embedding',
    cameraId: 'cam1',
    actor: 'user:me',
  });
  s.vault.readPackage(wallet, pkg.sha256, 'user:me');
  now += 1000;
  s.vault.purgeExpired();
  s.vault.purge(wallet, { actor: 'user:me', reason: 'request' });
  return { s, wallet };
}

describe('AuditLog', () => {
  test('every vault operation appends an entry; the chain verifies', () => {
    const { s, wallet } = populated();
    store = s;
    const entries = s.audit.list().reverse();
    assert.deepEqual(
      entries.map((e) => [e.seq, e.action, e.result, e.wallet]),
      [
        [1, 'biometrics.put', 'ok', wallet],
        [2, 'biometrics.get', 'ok', wallet],
        [3, 'biometrics.put', 'ok', wallet],
        [4, 'biometrics.create-package', 'ok', wallet],
        [5, 'biometrics.read-package', 'ok', wallet],
        [6, 'biometrics.purge-expired', 'ok', wallet],
        [7, 'biometrics.purge', 'ok', wallet],
      ],
    );
    assert.equal(entries[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    assert.deepEqual(s.audit.verify(), { ok: true, rows: 7, head: entries[6]!.hash });
    assert.deepEqual(s.audit.list({ wallet: randomWallet() }), []);
    assert.equal(s.audit.list({ limit: 2 }).length, 2);
  });

  test('the hash is SHA-256 over the previous hash and the canonical JSON of the entry', () => {
    store = openStore({ now: () => 1234 });
    const { hash } = store.audit.append({
      actor: 'system:test',
      wallet: null,
      action: 'test.op',
      result: 'denied',
      detail: { z: 1, a: ['x'] },
    });
    const json =
      '{"action":"test.op","actor":"system:test","at":1234,"detail":{"a":["x"],"z":1},"result":"denied","seq":1,"wallet":null}';
    assert.equal(
      hash,
      createHash('sha256')
        .update(GENESIS_HASH + json)
        .digest('hex'),
    );
  });

  test('detail refuses binary data and oversized JSON', () => {
    store = openStore();
    const append = (detail: Record<string, unknown>): unknown =>
      store!.audit.append({ actor: 'a', wallet: null, action: 'x', result: 'ok', detail });
    assert.throws(() => append({ embedding: new Float32Array(4) }), BadRequestError);
    assert.throws(() => append({ bytes: randomBytes(4) }), BadRequestError);
    assert.throws(() => append({ b64: randomBytes(2048).toString('base64') }), /over 1024/);
    assert.equal(store.audit.verify().rows, 0);
  });

  test('SQL triggers refuse UPDATE and DELETE', () => {
    const { s } = populated();
    store = s;
    assert.throws(() => s.database.db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 2").run(), /append-only/);
    assert.throws(() => s.database.db.prepare('DELETE FROM audit_log WHERE seq = 2').run(), /append-only/);
    assert.equal(s.audit.verify().ok, true);
  });

  test("an edited row's detail is reported with its seq (API and CLI)", () => {
    const { s } = populated();
    store = s;
    assert.equal(cli('verify', '--data-dir', s.dir).status, 0);
    // Simulates an attacker with write access to the database file, who can drop the trigger.
    s.database.db.exec('DROP TRIGGER audit_log_no_update');
    s.database.db.prepare(`UPDATE audit_log SET detail = '{"reason":"nothing to see"}' WHERE seq = 4`).run();
    const result = s.audit.verify();
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 4);
    assert.equal(result.rows, 3);
    assert.match(result.reason!, /edited/);
    const run = cli('verify', '--data-dir', s.dir);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /BROKEN at seq 4/);
  });

  test('a deleted row is reported as the missing seq', () => {
    const { s } = populated();
    store = s;
    // Simulates an attacker with write access to the database file, who can drop the trigger.
    s.database.db.exec('DROP TRIGGER audit_log_no_delete');
    s.database.db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    assert.deepEqual(
      { ...s.audit.verify(), head: undefined },
      {
        ok: false,
        rows: 2,
        firstBadSeq: 3,
        reason: 'seq 3 is missing (deleted): seq 2 is followed by 4',
        head: undefined,
      },
    );
    assert.equal(cli('verify', '--data-dir', s.dir).status, 1);
  });

  test('reordered rows are detected', () => {
    const { s } = populated();
    store = s;
    // Simulates an attacker with write access: swap the seq numbers of rows 5 and 6.
    s.database.db.exec(`
      DROP TRIGGER audit_log_no_update;
      UPDATE audit_log SET seq = 100 WHERE seq = 5;
      UPDATE audit_log SET seq = 5 WHERE seq = 6;
      UPDATE audit_log SET seq = 6 WHERE seq = 100;
    `);
    const result = s.audit.verify();
    assert.equal(result.ok, false);
    assert.equal(result.firstBadSeq, 5);
  });

  test('a row re-hashed by the attacker breaks the link to the next row', () => {
    const { s } = populated();
    store = s;
    const db = s.database.db;
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    const json = JSON.stringify({
      action: row.action,
      actor: 'user:someone-else',
      at: row.at,
      detail: JSON.parse(row.detail as string),
      result: row.result,
      seq: 2,
      wallet: row.wallet,
    });
    const forged = createHash('sha256')
      .update((row.prev_hash as string) + json)
      .digest('hex');
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET actor = 'user:someone-else', hash = ? WHERE seq = 2").run(forged);
    const result = s.audit.verify();
    assert.equal(result.firstBadSeq, 3);
    assert.match(result.reason!, /prev_hash/);
  });

  test('the CLI: usage errors and a folder without a database exit 2', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ecs-audit-'));
    try {
      assert.equal(cli().status, 2);
      assert.equal(cli('check', '--data-dir', empty).status, 2);
      assert.equal(cli('verify', '--bogus').status, 2);
      const run = cli('verify', '--data-dir', empty);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /no database/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
