import type { HelloData, RtmpEvent, StatsData } from '../../../media/camerad/CameradProtocol.js';
import type { CameradState, CameradSupervisorEvents } from '../../../media/camerad/CameradSupervisorTypes.js';
import { CameradError, InvalidStateError } from '../../../media/core/errors.js';
import { TypedEmitter } from '../../../media/core/TypedEmitter.js';
import type { RtmpCamera } from '../../../media/rtmp/RtmpEgressTypes.js';

/**
 * An in-memory stand-in for a camera's camerad RTMP branch: it records the requests and lets
 * the test send the notifications camerad would (the state machine's races are easier to
 * pin down here than with a real ingest; the real thing is in rtmpLivepeer.test.ts).
 */
export class ScriptedCamera implements RtmpCamera {
  constructor(readonly id = 'cam') {}

  /** Stands for camerad's supervisor: the test emits `hello`, `state` and `stats` on it. */
  readonly supervisor = new TypedEmitter<CameradSupervisorEvents>();
  readonly calls: string[] = [];
  connected = true;
  branch = false;
  nextStartError: Error | undefined;
  readonly #listeners = new Set<(event: RtmpEvent) => void>();

  async startRtmp(url: string): Promise<{ state: 'connecting' }> {
    this.calls.push(`start ${url}`);
    if (!this.connected) throw new InvalidStateError('camerad for cam is not connected');
    const error = this.nextStartError;
    this.nextStartError = undefined;
    if (error) throw error;
    if (this.branch) throw new CameradError('busy', 'an RTMP branch runs');
    this.branch = true;
    return { state: 'connecting' };
  }

  async stopRtmp(): Promise<{ bytes_sent: number }> {
    this.calls.push('stop');
    if (!this.branch) throw new CameradError('not_streaming', 'no RTMP branch');
    this.branch = false;
    queueMicrotask(() => this.send({ state: 'stopped', bytes_sent: 500 }));
    return { bytes_sent: 500 };
  }

  onRestarted(listener: (hello: HelloData) => void): () => void {
    this.supervisor.on('hello', listener);
    return () => this.supervisor.off('hello', listener);
  }

  onState(listener: (state: CameradState) => void): () => void {
    this.supervisor.on('state', listener);
    return () => this.supervisor.off('state', listener);
  }

  onCameradStats(listener: (stats: StatsData) => void): () => void {
    this.supervisor.on('stats', listener);
    return () => this.supervisor.off('stats', listener);
  }

  onRtmp(listener: (event: RtmpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  send(event: RtmpEvent): void {
    if (event.state === 'failed') this.branch = false;
    for (const listener of this.#listeners) listener(event);
  }

  starts(): number {
    return this.calls.filter((c) => c.startsWith('start')).length;
  }
}
