import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BiometricIntegrityError } from '../../../server/biometrics/BiometricIntegrityError.js';
import { loadOrCreateMasterKey } from '../../../server/biometrics/MasterKey.js';
import { openStore, randomWallet } from './fixture.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-masterkey-'));
  dirs.push(dir);
  return dir;
}

describe('loadOrCreateMasterKey', () => {
  test('creates 32 random bytes, mode 0600 in a 0700 folder, and loads the same key again', () => {
    const file = join(tempDir(), 'state', 'master.key');
    const key = loadOrCreateMasterKey(file);
    assert.equal(key.length, 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);
    assert.deepEqual(readFileSync(file), key);
    assert.deepEqual(loadOrCreateMasterKey(file), key);
    assert.notDeepEqual(loadOrCreateMasterKey(join(tempDir(), 'master.key')), key);
  });

  test('refuses a file of the wrong size', () => {
    const file = join(tempDir(), 'master.key');
    writeFileSync(file, randomBytes(16), { mode: 0o600 });
    assert.throws(() => loadOrCreateMasterKey(file), /master key: .*must hold exactly 32 bytes, found 16/);
  });

  test('refuses a file readable by group or others', () => {
    const file = join(tempDir(), 'master.key');
    writeFileSync(file, randomBytes(32), { mode: 0o600 });
    chmodSync(file, 0o640);
    assert.throws(() => loadOrCreateMasterKey(file), /readable by others.*chmod 600/);
  });

  test('data written before a restart still decrypts with the reloaded key, and not with another key', () => {
    const store = openStore({ dir: tempDir() });
    try {
      const wallet = randomWallet();
      const payload = randomBytes(2048);
      const id = store.vault.put(wallet, 'embedding', payload, { actor: 'system:test' });
      store.restart();
      assert.deepEqual(Buffer.from(store.vault.get(wallet, id, 'system:test')), payload);
      store.close();
      writeFileSync(join(store.dir, 'master.key'), randomBytes(32), { mode: 0o600 });
      store.restart();
      assert.throws(
        () => store.vault.get(wallet, id, 'system:test'),
        (e: unknown) => e instanceof BiometricIntegrityError && e.subject === 'wrapped-key',
      );
    } finally {
      store.close();
    }
  });
});
