import type { TestPatternStream } from '../lib/TestPatternStream.js';

/** Which side of the comparison a target is. */
export type TargetKind = 'server' | 'baseline';

/** The H.264 stream both targets fan out (the 720p30, 2.5 Mbit/s). */
export type StreamSettings = TestPatternStream;

/** A running fan-out target: something that takes WHEP viewers of one stream. */
export interface FanoutTarget {
  readonly kind: TargetKind;
  /** WHEP endpoint of the stream on 127.0.0.1. */
  readonly whepUrl: string;
  /** PID of the process whose CPU and RSS are measured: the Node server, or bareRelay. */
  readonly pid: number;
  /** What the measured process is, for the report (e.g. `node --import tsx server/main.ts`). */
  readonly description: string;
  /** PID of the encoder now (camerad or probe_sender.py); null when none is running. */
  encoderPid(): Promise<number | null>;
  /** Frames the encoder has produced so far (camerad's `frames_out`); null when unknown (probe_sender.py). */
  encoderFrames(): Promise<number | null>;
  /** Viewers the target itself counts now (a check that it kept every viewer alive). */
  viewerCount(): Promise<number>;
  /** Throws with the output's tail when one of its processes has exited. */
  assertRunning(): void;
  /** Stops every process it started and removes its temporary files. Idempotent. */
  stop(): Promise<void>;
}
