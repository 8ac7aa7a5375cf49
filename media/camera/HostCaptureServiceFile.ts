import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { HostCaptureService } from './CameraTypes.js';

/** Name of host-capture's status file in its folder (tools/host-capture, `status_file` default). */
export const HOST_CAPTURE_STATUS_FILE = '.host-capture-status.json';
/** The file is read at most this often, ms. */
const MIN_INTERVAL_MS = 2000;
/** A status file larger than this is not read (host-capture writes about 5 KiB), bytes. */
const MAX_BYTES = 64 * 1024;
/** stderr text kept from the last error (its last line), characters. */
const MAX_STDERR_CHARS = 200;

/** The part of host-capture's `--status` JSON the server reads (tools/host-capture/README.md). */
const statusFileSchema = z.object({
  program: z.literal('host-capture'),
  state: z.string().max(32),
  updated_ms: z.number(),
  interval_s: z.number().positive(),
  consecutive_failures: z.number().int().min(0),
  last_error: z
    .object({
      time: z.string().max(64),
      reason: z.string(),
      exit_code: z.number().int().nullable(),
      stderr_tail: z.string().nullable().optional(),
    })
    .nullable(),
});

/**
 * host-capture's own report of the capture service, read from `<folder>/.host-capture-status.json`
 * (written atomically by tools/host-capture after each attempt): its state, failures in a row and
 * the last failure (reason, exit code, last stderr line). A `dir://` camera shows it beside
 * camerad's figures, and a lost source gets the capture command's own reason.
 *
 * Reads are asynchronous, at most one in flight and one per 2 s; `current()` answers from the
 * last read at once. A missing, oversized or malformed file reads as null (the folder may be a
 * plain drop folder with no service).
 */
export class HostCaptureServiceFile {
  readonly #path: string;
  readonly #now: () => number;
  /** The last report read, with the time host-capture wrote it (its age is taken when asked). */
  #report: { service: Omit<HostCaptureService, 'updated_age_ms'>; updatedMs: number } | null = null;
  #readAt = -Infinity;
  /** The read in flight, if any: one at a time. */
  #pending: Promise<void> | undefined;

  /**
   * @param folder the `dir://` camera's folder (absolute path).
   * @param now clock, ms since the Unix epoch (default `Date.now`).
   */
  constructor(folder: string, now: () => number = Date.now) {
    this.#path = join(folder, HOST_CAPTURE_STATUS_FILE);
    this.#now = now;
  }

  /**
   * The last report read (null before one, or when there is none), its age taken now; starts a
   * new read when due.
   */
  current(): HostCaptureService | null {
    if (!this.#pending && this.#now() - this.#readAt >= MIN_INTERVAL_MS) void this.#start();
    const report = this.#report;
    if (!report) return null;
    return { ...report.service, updated_age_ms: Math.max(0, this.#now() - report.updatedMs) };
  }

  /** True while a read is in flight. */
  get reading(): boolean {
    return this.#pending !== undefined;
  }

  /** Reads the file now (or waits for the read in flight); resolves with what `current()` then answers. */
  async refresh(): Promise<HostCaptureService | null> {
    await (this.#pending ?? this.#start());
    return this.current();
  }

  #start(): Promise<void> {
    this.#readAt = this.#now();
    this.#pending = this.#read().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #read(): Promise<void> {
    let text: string;
    try {
      const file = await open(this.#path, 'r');
      try {
        const { size } = await file.stat();
        if (size > MAX_BYTES) {
          this.#report = null;
          return;
        }
        text = await file.readFile('utf8');
      } finally {
        await file.close();
      }
    } catch {
      this.#report = null; // no service writes here (or not yet)
      return;
    }
    let parsed: z.infer<typeof statusFileSchema>;
    try {
      parsed = statusFileSchema.parse(JSON.parse(text));
    } catch {
      this.#report = null;
      return;
    }
    const error = parsed.last_error;
    const stderr = error?.stderr_tail?.trim().split('\n').pop()?.slice(0, MAX_STDERR_CHARS) ?? null;
    this.#report = {
      updatedMs: parsed.updated_ms,
      service: {
        state: parsed.state,
        consecutive_failures: parsed.consecutive_failures,
        updated_at: new Date(parsed.updated_ms).toISOString(),
        interval_s: parsed.interval_s,
        last_error: error
          ? {
              time: error.time,
              reason: error.reason.slice(0, 300),
              exit_code: error.exit_code,
              stderr: stderr || null,
            }
          : null,
      },
    };
  }
}

/** A status file is stale (the service is not running) after this many capture intervals… */
const STALE_INTERVALS = 3;
/** …and never sooner than this, ms (a capture may take seconds: `command_timeout`). */
const STALE_MIN_MS = 30_000;

/**
 * Why a host-capture camera has no fresh image, in the capture service's words: its last error
 * while it fails, or a status file that stopped being updated (older than 3 capture intervals
 * and 30 s). Null when the service reports nothing wrong (the reason is then camerad's alone).
 */
export function hostCaptureLostReason(service: HostCaptureService | null): string | null {
  if (!service) return null;
  if (service.consecutive_failures > 0 && service.last_error) {
    const e = service.last_error;
    return `host-capture: ${e.reason}${e.stderr ? ` (${e.stderr})` : ''}`;
  }
  if (service.state === 'stopped') return 'host-capture: the capture service has stopped';
  const staleAfterMs = Math.max(STALE_MIN_MS, STALE_INTERVALS * service.interval_s * 1000);
  if (service.updated_age_ms > staleAfterMs) {
    return `host-capture: its status not updated for ${Math.round(service.updated_age_ms / 1000)} s (is the service running?)`;
  }
  return null;
}
