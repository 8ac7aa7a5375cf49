/**
 * Messages between `run.ts` and a `loadgen.ts` process over Node's IPC channel
 * (`process.send`, JSON serialisation). One discriminated union per direction.
 */

import type { RtpSequenceTotals } from './RtpSequenceCounter.js';

/** What a load generator knows about one of its viewers. Counts are totals since it joined. */
export interface ViewerStats extends Pick<
  RtpSequenceTotals,
  'packets' | 'bytes' | 'lost' | 'duplicates' | 'reordered' | 'ssrcChanges'
> {
  /** Viewer number within its load generator, from 0. */
  index: number;
  /** werift peer connection state (`connecting`, `connected`, `failed`, `closed`, …). */
  state: string;
  /** SRTCP packets received from the server (sender reports etc.; counted, not decrypted). */
  rtcpReceived: number;
  /** Receiver reports sent. */
  rtcpSent: number;
  /** Receiver reports that could not be sent. */
  rtcpErrors: number;
  /** From the start of the WHEP exchange to the first RTP datagram, ms; null before it. */
  firstPacketMs: number | null;
}

/** run.ts → loadgen. */
export type ParentMessage =
  /** Connect `count` more viewers (at most `concurrency` WHEP exchanges at a time). */
  | { type: 'add'; count: number }
  /** Reply at once with a `stats` message carrying `id`. */
  | { type: 'snapshot'; id: number }
  /** DELETE every viewer's WHEP resource, close the peers, reply `stopped`, exit 0. */
  | { type: 'stop' };

/** loadgen → run.ts. */
export type ChildMessage =
  /** The process is up and listens for messages. */
  | { type: 'ready'; pid: number }
  /** Every viewer's totals: every `--stats-interval-ms`, and in reply to `snapshot` (with its `id`). */
  | { type: 'stats'; id: number | null; viewers: ViewerStats[] }
  /** A viewer could not join (WHEP refused, ICE or DTLS failed): the run is broken. */
  | { type: 'error'; message: string }
  | { type: 'stopped' };
