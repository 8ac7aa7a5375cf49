import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChainWatcherStats } from '../chain/ChainWatcher.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/**
 * The chain watcher's metrics (server/chain/ChainWatcher.ts), present when `chain.rpcUrl` is set:
 * errors, the age of the last successful poll (the most the watcher can be behind the node, plus
 * one poll period), the position's slot, and what the last poll left unprocessed (signatures,
 * and slots from the position to the newest one listed).
 */
export class ChainMetrics implements MetricsModule {
  readonly #stats: () => ChainWatcherStats;
  readonly #now: () => number;

  /**
   * @param stats `ChainWatcher.stats`.
   * @param now clock, Unix ms (default `Date.now`).
   */
  constructor(stats: () => ChainWatcherStats, now: () => number = Date.now) {
    this.#stats = stats;
    this.#now = now;
  }

  register(registry: Registry): () => void {
    const registers = [registry];
    const errors = new TotalCounter(
      new Counter({
        name: 'chain_watcher_errors_total',
        help: 'Chain watcher errors: kind="poll" a failed poll (RPC or database), kind="handler" a session event that failed (retried).',
        labelNames: ['kind'] as const,
        registers,
      }),
    );
    const age = new Gauge({
      name: 'chain_watcher_last_success_age_seconds',
      help: 'Seconds since a chain poll last succeeded (since the watcher started when none has yet).',
      registers,
    });
    const slot = new Gauge({
      name: 'chain_watcher_position_slot',
      help: 'Slot of the last signature the watcher processed (absent before the first).',
      registers,
    });
    const behindSignatures = new Gauge({
      name: 'chain_watcher_behind_signatures',
      help: 'Signatures the node listed at the last poll that are not processed yet (0 when caught up).',
      registers,
    });
    const behindSlots = new Gauge({
      name: 'chain_watcher_behind_slots',
      help: 'Slots from the position to the newest signature listed at the last poll (0 when caught up).',
      registers,
    });
    return () => {
      const s = this.#stats();
      errors.observe({ kind: 'poll' }, s.failedPolls);
      errors.observe({ kind: 'handler' }, s.handlerErrors);
      age.set(Math.max(0, this.#now() - (s.lastSuccessAt ?? s.createdAt)) / 1000);
      slot.reset();
      if (s.positionSlot !== null) slot.set(s.positionSlot);
      behindSignatures.set(s.behindSignatures);
      behindSlots.set(s.behindSlots);
    };
  }
}
