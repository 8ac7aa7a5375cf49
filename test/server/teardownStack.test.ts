import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TeardownStack } from '../../server/TeardownStack.js';
import { testLogger } from '../helpers/logger.js';

describe('teardown stack', () => {
  it('closes the parts last built first, once, and refuses parts after close', async () => {
    const closed: string[] = [];
    const stack = new TeardownStack(testLogger);
    for (const name of ['identity', 'sfu', 'cameras']) stack.push(name, () => void closed.push(name));
    assert.deepEqual(stack.pending, ['cameras', 'sfu', 'identity']);
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    assert.deepEqual(closed, ['cameras', 'sfu', 'identity'], 'each part closed once, in reverse');
    assert.deepEqual(stack.pending, []);
    assert.throws(() => stack.push('late', () => undefined), /teardown stack closed/);
  });

  it('goes on past a part whose close fails, so the parts built before it still close', async () => {
    const closed: string[] = [];
    const stack = new TeardownStack(testLogger);
    stack.push('sfu', async () => {
      await Promise.resolve();
      closed.push('sfu');
    });
    stack.push('faces', () => Promise.reject(new Error('inference thread gone')));
    stack.push('analysis', () => void closed.push('analysis'));
    await stack.close();
    assert.deepEqual(closed, ['analysis', 'sfu']);
  });
});
