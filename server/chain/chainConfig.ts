import { z } from 'zod';

/**
 * The `chain` section of the configuration (server/config/configSchema.ts plugs `chainSchema` in):
 * the Solana RPC, check-in transactions and the chain watcher (server/chain/).
 */
export const chainSchema = z
  .strictObject({
    rpcUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Solana JSON-RPC URL; unset = no check-in transactions and no chain watcher.'),
    cluster: z
      .enum(['mainnet', 'devnet', 'testnet', 'localnet'])
      .default('devnet')
      .describe('Cluster, named in sign-in messages as the chain id solana:<cluster>.'),
    keypairFile: z
      .string()
      .optional()
      .describe('Camera keypair (solana-keygen JSON); default <dataDir>/camera-keypair.json, generated.'),
    commitment: z.enum(['confirmed', 'finalized']).default('confirmed').describe('Commitment waited for.'),
    confirmTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(300_000)
      .default(60_000)
      .describe('Longest wait for a submitted transaction to confirm, ms.'),
    txTtlS: z
      .number()
      .int()
      .min(10)
      .max(600)
      .default(120)
      .describe('A built check-in/check-out transaction must be submitted within this, s.'),
    watcherPollMs: z.number().int().min(100).max(600_000).default(3000).describe('Chain watcher poll period, ms.'),
    watcherPageSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe('Signatures per getSignaturesForAddress page.'),
  })
  .prefault({});

/** The `chain` section after validation and defaults. */
export type ChainConfig = z.infer<typeof chainSchema>;
