import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensurePrivateDir, writePrivateFile } from '../../media/core/privateFiles.js';

const root = mkdtempSync(join(tmpdir(), 'ecs-private-'));
after(() => rmSync(root, { recursive: true, force: true }));
const mode = (path: string): number => statSync(path).mode & 0o7777;

describe('ensurePrivateDir', () => {
  it('creates missing folders (parents too) with mode 0700, whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const dir = join(root, 'a', 'b');
      assert.equal(ensurePrivateDir(dir, 'storage.dataDir'), undefined);
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(root, 'a')), 0o700);
    } finally {
      process.umask(old);
    }
  });
  it('tightens an existing folder of this user and returns its old mode', () => {
    const dir = join(root, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    assert.equal(ensurePrivateDir(dir, 'camerad.runtimeDir'), 0o755);
    assert.equal(mode(dir), 0o700);
  });
  it('refuses a shared sticky folder such as /tmp, naming the setting, and leaves it as it was', () => {
    const dir = join(root, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    assert.throws(() => ensurePrivateDir(dir, 'camerad.runtimeDir'), /^Error: camerad\.runtimeDir: .*mode 1777/);
    assert.equal(mode(dir), 0o1777);
  });
});

describe('writePrivateFile', () => {
  it('writes mode 0600 even under umask 0, replaces a wider file, leaves no temp file', () => {
    const dir = join(root, 'files');
    ensurePrivateDir(dir, 'x');
    const file = join(dir, 'camerad-cam.source');
    const old = process.umask(0);
    try {
      writePrivateFile(file, 'one\n');
      assert.equal(mode(file), 0o600);
      chmodSync(file, 0o644);
      writePrivateFile(file, 'two\n');
      assert.equal(mode(file), 0o600);
      assert.equal(readFileSync(file, 'utf8'), 'two\n');
      assert.deepEqual(readdirSync(dir), ['camerad-cam.source']);
    } finally {
      process.umask(old);
    }
  });
});
