import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtspOutput } from '../../media/rtsp/RtspOutput.js';
import { rtspSchema } from '../../media/rtsp/rtspConfig.js';
import { testLogger } from '../helpers/logger.js';

describe('RtspOutput', () => {
  it('is off and starts nothing when outputs.rtsp.enabled is false; close is idempotent', async () => {
    const output = new RtspOutput(new Map(), rtspSchema.parse({ binary: '/nonexistent/rtspd' }), testLogger);
    await output.start();
    assert.equal(output.status().state, 'off');
    await Promise.all([output.close(), output.close()]);
    assert.equal(output.status().state, 'off');
  });

  it('says which binary is missing (state failed, not retried) when rtspd cannot be started', async () => {
    const config = rtspSchema.parse({
      enabled: true,
      users: [{ name: 'nvr', password: 'a-long-password' }],
      binary: '/nonexistent/rtspd',
    });
    const output = new RtspOutput(new Map(), config, testLogger);
    await output.start();
    const deadline = Date.now() + 10_000;
    while (output.status().state !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(output.status().state, 'failed');
    assert.match(output.status().last_error ?? '', /\/nonexistent\/rtspd.*npm run build:native/);
    await output.close();
    await output.close();
    assert.equal(output.status().state, 'closed');
  });
});
