import assert from 'node:assert/strict';
import { ConfigError } from '../../server/config/ConfigError.js';

/** Asserts that `fn` throws a ConfigError naming `setting` (its path) with a message matching `message`. */
export function rejectsConfig(fn: () => unknown, setting: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `ConfigError, got ${String(error)}`);
    assert.equal(error.setting, setting);
    assert.match(error.message, message);
    return true;
  });
}
