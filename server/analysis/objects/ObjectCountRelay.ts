import type { EventHub } from '../../events/EventHub.js';
import type { ObjectDetection } from '../analyzerTypes.js';

/**
 * Sends `object:counts` (public: classes, counts and boxes, never identity) when the count of a
 * configured class changes on a camera, with every configured class in `counts` (0 included).
 */
export class ObjectCountRelay {
  readonly #classes: ReadonlyMap<string, readonly string[]>;
  readonly #last = new Map<string, string>();
  #hub: EventHub | undefined;

  /** @param classes each camera's configured classes (its objects analyzer's `classes`). */
  constructor(classes: ReadonlyMap<string, readonly string[]>) {
    this.#classes = classes;
  }

  attachHub(hub: EventHub): void {
    this.#hub = hub;
  }

  /** Counts per configured class now on a camera. */
  counts(cameraId: string, objects: readonly ObjectDetection[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.#classes.get(cameraId) ?? []) counts[c] = 0;
    for (const o of objects) if (o.label in counts) counts[o.label] = counts[o.label]! + 1;
    return counts;
  }

  /** One analysed frame of a camera's objects analyzer (`at`: capture time, ms since the epoch). */
  observe(cameraId: string, objects: readonly ObjectDetection[], at: number): void {
    const counts = this.counts(cameraId, objects);
    const key = JSON.stringify(counts);
    if (this.#last.get(cameraId) === key) return;
    this.#last.set(cameraId, key);
    this.#hub?.emitCamera('object:counts', {
      cameraId,
      counts,
      boxes: objects.map((o) => ({ label: o.label, box: o.box, trackId: o.trackId ?? null })),
      at,
    });
  }
}
