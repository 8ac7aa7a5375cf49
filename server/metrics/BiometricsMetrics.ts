import { Counter, Gauge, type Registry } from 'prom-client';
import type { BiometricVaultStats } from '../biometrics/BiometricVaultTypes.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/**
 * The biometric vault's metrics (server/biometrics/BiometricVault.ts): purges, items purged and
 * items held now, by kind (`blob`, `key`, `package`). Counts over all wallets: no label carries a
 * wallet.
 */
export class BiometricsMetrics implements MetricsModule {
  readonly #stats: () => BiometricVaultStats;

  /** @param stats `BiometricVault.stats`. */
  constructor(stats: () => BiometricVaultStats) {
    this.#stats = stats;
  }

  register(registry: Registry): () => void {
    const registers = [registry];
    const purges = new TotalCounter(
      new Counter({
        name: 'biometrics_purges_total',
        help: 'Wallets purged: reason="wallet" (check-out, owner or operator request), reason="expired" (temporary data past its TTL).',
        labelNames: ['reason'] as const,
        registers,
      }),
    );
    const purged = new TotalCounter(
      new Counter({
        name: 'biometrics_purged_items_total',
        help: 'Items deleted by purges, by kind: blob (encrypted data), key (a wallet data key), package (file).',
        labelNames: ['kind'] as const,
        registers,
      }),
    );
    const held = new Gauge({
      name: 'biometrics_held_items',
      help: 'Items held now over all wallets, by kind: blob, key, package.',
      labelNames: ['kind'] as const,
      registers,
    });
    return () => {
      const s = this.#stats();
      for (const [reason, n] of Object.entries(s.purges)) purges.observe({ reason }, n);
      for (const [kind, n] of Object.entries(s.purged)) purged.observe({ kind }, n);
      for (const [kind, n] of Object.entries(s.held)) held.set({ kind }, n);
    };
  }
}
