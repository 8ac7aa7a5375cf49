import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../media/core/errors.js';
import { VisionBusyError } from './VisionBusyError.js';

/** A user's request to be enrolled from the camera, waiting for the operator. */
export interface EnrolmentRequest {
  requestId: string;
  wallet: string;
  cameraId: string;
  /** ms since the epoch. */
  createdAt: number;
  expiresAt: number;
}

/**
 * Operator-approved enrolment, for cameras where a liveness challenge does not suit: a user
 * asks (`POST /api/face/enroll/requests`), the operator, from their own session, sees who is in
 * front of the camera and approves; the face in the frame at that moment is enrolled for the
 * requesting wallet. One request per wallet and camera (a new one replaces it), each kept
 * `ttlMs`, at most `maxOutstanding` in all.
 */
export class EnrolmentRequests {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #byId = new Map<string, EnrolmentRequest>();

  constructor(opts: { ttlMs: number; maxOutstanding: number; now?: () => number }) {
    this.#ttlMs = opts.ttlMs;
    this.#max = opts.maxOutstanding;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Files a request, replacing the wallet's earlier one at this camera.
   * @throws VisionBusyError when `maxOutstanding` requests wait.
   */
  create(wallet: string, cameraId: string): EnrolmentRequest {
    const now = this.#now();
    this.#prune(now);
    for (const [id, r] of this.#byId) if (r.wallet === wallet && r.cameraId === cameraId) this.#byId.delete(id);
    if (this.#byId.size >= this.#max) {
      throw new VisionBusyError(`${this.#byId.size} enrolment requests wait for the operator: retry later`, 60);
    }
    const request = { requestId: randomUUID(), wallet, cameraId, createdAt: now, expiresAt: now + this.#ttlMs };
    this.#byId.set(request.requestId, request);
    return { ...request };
  }

  /** Requests waiting, oldest first (the operator's list). */
  list(): EnrolmentRequest[] {
    this.#prune(this.#now());
    return [...this.#byId.values()].map((r) => ({ ...r }));
  }

  /** The request `id` (still waiting). @throws NotFoundError unknown or expired. */
  get(id: string): EnrolmentRequest {
    this.#prune(this.#now());
    const r = this.#byId.get(id);
    if (!r) throw new NotFoundError('no such enrolment request (approved, withdrawn or expired)');
    return { ...r };
  }

  /** Removes a request (approved or withdrawn). @returns whether it was there. */
  delete(id: string): boolean {
    return this.#byId.delete(id);
  }

  #prune(now: number): void {
    for (const [id, r] of this.#byId) if (r.expiresAt <= now) this.#byId.delete(id);
  }
}
