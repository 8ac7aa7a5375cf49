import { z } from 'zod';

/**
 * The `storage` section of the configuration (server/config/configSchema.ts plugs `storageSchema`
 * in): where the server keeps its database and generated keys (server/store/AppDatabase.ts).
 */
export const storageSchema = z
  .strictObject({
    dataDir: z
      .string()
      .default('data/state')
      .describe('Folder for the SQLite database and generated keys (mode 0700), relative to the project root.'),
  })
  .prefault({});

/** The `storage` section after validation and defaults. */
export type StorageConfig = z.infer<typeof storageSchema>;
