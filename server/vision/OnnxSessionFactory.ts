import './ortTelemetryOff.js';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { cpus } from 'node:os';
import { InferenceSession, env } from 'onnxruntime-node';
import type { Logger } from 'pino';
import { EXECUTION_PROVIDERS, type ExecutionProvider, type OnnxLogLevel, visionSchema } from './visionConfig.js';

/**
 * The `vision` section's defaults: what an omitted option below means (the server passes every
 * one; tests and benches omit some). Read from the schema, never restated here.
 */
const VISION_DEFAULTS = visionSchema.parse({});

export interface OnnxSessionFactoryOptions {
  /** Providers to try, in order; the first one that creates the session runs it. Default `vision.providers`'s. */
  providers?: readonly ExecutionProvider[];
  /** Threads per session for one operator; default max(1, cores − 1), leaving a core to the encoder. */
  intraOpNumThreads?: number;
  /** GPU for tensorrt/cuda. Default `vision.deviceId`'s. */
  deviceId?: number;
  /**
   * onnxruntime's own stderr logging. Default `vision.onnxLogLevel`'s ('fatal': a provider that
   * cannot load — the npm build ships no CUDA/TensorRT libraries — is reported once through
   * `logger` with the reason, rather than as native error lines for every probe).
   */
  onnxLogLevel?: OnnxLogLevel;
}

/** A created session and the provider that runs it. */
export interface CreatedSession {
  session: InferenceSession;
  provider: ExecutionProvider;
}

/**
 * Creates onnxruntime-node sessions on the first execution provider that works. Each provider in
 * the configured order is probed by creating the session with it alone (onnxruntime then runs
 * any operator that provider lacks on the CPU); a failure is logged with its reason and the next
 * provider is tried. A provider that failed to load is not probed again for later models.
 *
 * onnxruntime-node from npm carries only the CPU provider on Linux x64 unless its CUDA/TensorRT
 * libraries were installed next to it (docs/models.md), so on most machines the log says that
 * cuda is unavailable and cpu runs: that fallback is the tested path.
 */
export class OnnxSessionFactory {
  readonly providers: readonly ExecutionProvider[];
  readonly intraOpNumThreads: number;
  readonly #deviceId: number;
  readonly #logger: Logger;
  /** Providers that failed to load, with the reason. */
  readonly #unavailable = new Map<ExecutionProvider, string>();

  constructor(logger: Logger, options: OnnxSessionFactoryOptions = {}) {
    const providers = options.providers ?? VISION_DEFAULTS.providers;
    if (providers.length === 0) throw new TypeError('options.providers must name at least one provider');
    for (const p of providers) {
      if (!EXECUTION_PROVIDERS.includes(p)) throw new TypeError(`options.providers: unknown provider ${String(p)}`);
    }
    const threads = options.intraOpNumThreads ?? Math.max(1, cpus().length - 1);
    if (!Number.isInteger(threads) || threads < 1)
      throw new TypeError('options.intraOpNumThreads must be an integer ≥ 1');
    this.providers = providers;
    this.intraOpNumThreads = threads;
    this.#deviceId = options.deviceId ?? VISION_DEFAULTS.deviceId;
    this.#logger = logger;
    // Read by onnxruntime-node when it initialises, i.e. at the first session of the process.
    env.logLevel = options.onnxLogLevel ?? VISION_DEFAULTS.onnxLogLevel;
  }

  /**
   * A session for the model at `modelPath` on the first provider that works.
   * @param purpose what the model is for, in log lines ("detector", "embedder").
   * @throws the file system's error when the model cannot be read; the last provider's error when none works.
   */
  async create(modelPath: string, purpose: string): Promise<CreatedSession> {
    // A missing model would fail on every provider and get each of them marked unavailable.
    await access(modelPath, constants.R_OK);
    const skipped: string[] = [];
    let lastError: unknown;
    for (const provider of this.providers) {
      const known = this.#unavailable.get(provider);
      if (known !== undefined) {
        skipped.push(`${provider}: ${known}`);
        continue;
      }
      try {
        const session = await InferenceSession.create(modelPath, {
          executionProviders: [provider === 'cpu' ? 'cpu' : { name: provider, deviceId: this.#deviceId }],
          intraOpNumThreads: this.intraOpNumThreads,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          // Idle pool threads sleep instead of spinning: the CPU is shared with camerad's encoder.
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
        this.#logger.info(
          {
            purpose,
            model: modelPath,
            provider,
            intraOpNumThreads: this.intraOpNumThreads,
            ...(skipped.length > 0 ? { notUsed: skipped } : {}),
          },
          `vision ${purpose} runs on onnxruntime ${provider}` +
            (skipped.length > 0 ? `; unavailable: ${skipped.map((s) => s.split(':')[0]).join(', ')}` : ''),
        );
        return { session, provider };
      } catch (error) {
        lastError = error;
        const reason = firstLine(error);
        if (provider === 'cpu') throw error;
        this.#unavailable.set(provider, reason);
        skipped.push(`${provider}: ${reason}`);
        this.#logger.warn(
          { purpose, provider, reason },
          `onnxruntime execution provider ${provider} unavailable, trying the next one`,
        );
      }
    }
    throw lastError instanceof Error ? lastError : new Error(`no execution provider could run ${modelPath}`);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
