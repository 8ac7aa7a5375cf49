import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { JanusStatus } from '../../media/janus/JanusOutput.js';
import { janusMetrics } from '../../server/metrics/janusMetrics.js';
import { promtool } from '../helpers/Prometheus.js';

const status = (packets: number, up: boolean, recreations: number): JanusStatus => ({
  state: up ? 'up' : 'retrying',
  error: up ? null : 'ECONNREFUSED',
  next_retry_ms: up ? null : 1000,
  public: true,
  recreations,
  tokens: 3,
  cameras: [{ camera: 'cam', up, packets, bytes: packets * 1000, dropped: up ? 0 : 5 }],
});

describe('Janus metrics module', () => {
  it('reads the forward’s status into janus_* metrics that promtool accepts', async () => {
    let current = status(100, true, 0);
    const registry = new Registry();
    const refresh = janusMetrics(() => current).register(registry);
    refresh();
    current = status(250, false, 1);
    refresh();
    const text = await registry.metrics();
    assert.match(text, /^janus_forward_up\{camera="cam"\} 0$/m);
    assert.match(text, /^janus_forward_packets_total\{camera="cam"\} 250$/m);
    assert.match(text, /^janus_forward_bytes_total\{camera="cam"\} 250000$/m);
    assert.match(text, /^janus_forward_dropped_packets_total\{camera="cam"\} 5$/m);
    assert.match(text, /^janus_recreations_total 1$/m);
    assert.match(text, /^janus_tokens 3$/m);
    assert.deepEqual(promtool(text), { status: 0, output: '' });
  });
});
