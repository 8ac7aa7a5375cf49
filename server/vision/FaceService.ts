import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import { BadRequestError, CameradError, InvalidStateError, NotFoundError } from '../../media/core/errors.js';
import type { BiometricVault } from '../biometrics/BiometricVault.js';
import type { FaceDetectedEvent, FaceLostEvent, FaceRecognizedEvent } from '../events/EventCatalogue.js';
import { FaceGallery } from './FaceGallery.js';
import { type FaceModel, FacePipeline } from './FacePipeline.js';
import { yawRatio } from './headPose.js';
import type { LivenessChallenges, LivenessChallengeView } from './LivenessChallenges.js';
import type { AnalysisFrame } from './FacePipeline.js';
import type { Box, KeptFrame, RgbImage } from './visionTypes.js';
import type { FaceDetection } from '../analysis/analyzerTypes.js';
import { VisionBusyError } from './VisionBusyError.js';

/** The vault blob kind of a face embedding (`Float32Array` bytes, little-endian, L2-normalised). */
export const EMBEDDING_KIND = 'face-embedding';
/** Embeddings kept per wallet (several photographs make a sturdier gallery entry). */
export const MAX_EMBEDDINGS_PER_WALLET = 5;
/** camerad overlay layer of the face boxes: replacing it leaves other producers' items drawn. */
export const FACE_OVERLAY_LAYER = 'faces';

/** A face found in an image by `recognize`. */
export interface RecognizedFace {
  box: [number, number, number, number];
  score: number;
  /** The wallet, when the caller may see it (its own, or any for the operator); else null. */
  wallet: string | null;
  /**
   * True when the face matched a checked-in, enrolled wallet the caller may see (the operator:
   * any). For anyone else's face a user gets `recognized: false`, `wallet: null`,
   * `similarity: null`: the same answer as for a stranger's, so recognition is no presence oracle.
   */
  recognized: boolean;
  /**
   * Cosine similarity with the best gallery entry, -1..1, when the caller may see the identity
   * (its own face; any face for the operator, null only for an empty gallery); else null.
   */
  similarity: number | null;
}

/** Who asks: a wallet's session (a user or the operator). */
export interface FaceCaller {
  wallet: string;
  role: 'user' | 'operator';
}

/** What the face routes and the session lifecycle need, per camera. */
/**
 * Where face events go: `face:detected` and `face:lost` to every socket at the camera,
 * `face:recognized` (it names a wallet) to the wallet's own sockets and the operator's. Wiring
 * hands the event hub (server/events/EventHub.ts) in.
 */
export interface FaceEventSink {
  emitCamera(event: 'face:detected', payload: FaceDetectedEvent): void;
  emitCamera(event: 'face:lost', payload: FaceLostEvent): void;
  emitIdentity(event: 'face:recognized', payload: FaceRecognizedEvent): void;
}

export interface FaceServiceOptions {
  cameras: ReadonlyMap<string, Camera>;
  model: FaceModel & { readonly providers?: unknown };
  vault: BiometricVault;
  /** Frames analysed per second on each camera. */
  analysisFps: number;
  threshold: number;
  /** A tracked face is re-embedded this often, ms (`faces.reembedMs`). */
  reembedMs: number;
  /** Time to live of an enrolment made while not checked in, ms (temporary biometric data). */
  tempTtlMs: number;
  /** Whether a user's check-in consent lets overlays show their name (null: not checked in). */
  showName: (cameraId: string, wallet: string) => boolean | null;
  /** Liveness challenges for enrolment from the camera (head poses measured while one is pending). */
  liveness?: LivenessChallenges;
  /** Where `face:*` events go. */
  events: FaceEventSink;
  logger: Logger;
}

/** An enrolment's outcome: the face's box (output px) and score, the wallet's stored enrolments, whether it is recognised now or temporary, and its embedding (`Float32Array` of the embedder's length, L2-normalised). */
export interface Enrolment {
  box: [number, number, number, number];
  score: number;
  embeddings: number;
  inGallery: boolean;
  temporary: boolean;
  embedding: Float32Array;
}

/**
 * Face recognition for every camera: one `FacePipeline` per camera fed by camerad's analysis
 * frames (one in flight: camerad sends the next when the pipeline is done), a gallery per
 * camera holding the embeddings of its checked-in users (decrypted from the biometric vault at
 * check-in, dropped at check-out), enrolment from the camera's current frame (or an uploaded
 * image when the operator allows it), recognition on demand, and the status figures.
 */
export class FaceService {
  readonly #opts: FaceServiceOptions;
  readonly #logger: Logger;
  readonly #galleries = new Map<string, FaceGallery>();
  readonly #pipelines = new Map<string, FacePipeline>();
  #threshold: number;
  #overlays = true;

  constructor(opts: FaceServiceOptions) {
    this.#opts = opts;
    this.#threshold = opts.threshold;
    this.#logger = opts.logger.child({ module: 'faces' });
    for (const [id, camera] of opts.cameras) {
      const gallery = new FaceGallery();
      this.#galleries.set(id, gallery);
      this.#pipelines.set(
        id,
        new FacePipeline({
          model: opts.model,
          gallery,
          output: camera.size,
          threshold: opts.threshold,
          reembedMs: opts.reembedMs,
          label: (wallet) => (gallery.get(wallet)?.showName ? shortWallet(wallet) : undefined),
          logger: this.#logger.child({ camera: id }),
          sinks: {
            overlays: (items) => {
              if (!this.#overlays) return;
              camera.setOverlays(items, { layer: FACE_OVERLAY_LAYER }).catch((error: unknown) => {
                this.#logger.debug({ camera: id, err: error }, 'overlays not sent');
              });
            },
            detected: (e) => opts.events.emitCamera('face:detected', { cameraId: id, ...e }),
            lost: (e) => opts.events.emitCamera('face:lost', { cameraId: id, ...e }),
            recognized: (e) => opts.events.emitIdentity('face:recognized', { cameraId: id, ...e }),
          },
        }),
      );
    }
  }

  /**
   * Analyses one analysis frame of `cameraId` (the `faces` analyzer calls this: the analysis
   * scheduler decides which frames): detection, tracking, recognition, events, overlays, and
   * head poses while a liveness challenge is pending. The frame crosses to the inference thread
   * once for all of it.
   * @returns the camera's face tracks now, boxes in output px, with identities (server side only).
   * @throws NotFoundError for an unknown camera; VisionBusyError when the inference queue is full.
   */
  async analyzeFrame(cameraId: string, frame: AnalysisFrame): Promise<FaceDetection[]> {
    const pipeline = this.#pipelines.get(cameraId);
    if (!pipeline) throw new NotFoundError(`unknown camera "${cameraId}"`);
    const { model } = this.#opts;
    const kept = model.keep?.(frame);
    try {
      await pipeline.process(frame, kept ?? frame);
      await this.#observePoses(cameraId, pipeline, kept ?? frame);
    } finally {
      if (kept) model.release?.(kept);
    }
    return pipeline.current().map((t) => ({
      kind: 'face',
      box: t.box,
      score: 1,
      trackId: t.trackId,
      wallet: t.wallet,
      similarity: t.similarity,
    }));
  }

  /** Forgets the camera's face tracks (its analyzer was reset) and clears its face overlays. */
  resetCamera(cameraId: string, atMs: number): void {
    this.#pipelines.get(cameraId)?.reset(atMs);
  }

  /** The face models' execution providers (`{ detector: 'cpu', … }`), when the model says. */
  get providers(): Partial<Record<string, string>> | undefined {
    return this.#opts.model.providers as Partial<Record<string, string>> | undefined;
  }

  /** Whether face boxes are burned into the video (operator setting; on by default). */
  get overlays(): boolean {
    return this.#overlays;
  }

  /** Switches the burned-in boxes on or off (off clears the boxes drawn now). */
  async setOverlays(enabled: boolean): Promise<boolean> {
    this.#overlays = enabled;
    if (!enabled) {
      await Promise.all(
        [...this.#opts.cameras.values()].map((c) => c.setOverlays([], { layer: FACE_OVERLAY_LAYER }).catch(() => 0)),
      );
    }
    return enabled;
  }

  /** The recognition threshold (cosine similarity). */
  get threshold(): number {
    return this.#threshold;
  }

  /** Sets the threshold on every camera. @throws BadRequestError outside 0..1. */
  setThreshold(value: number): number {
    if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
      throw new BadRequestError('threshold must be a number from 0 to 1', 'threshold');
    }
    this.#threshold = value;
    for (const p of this.#pipelines.values()) p.threshold = value;
    return value;
  }

  /**
   * Loads a checked-in wallet's stored embeddings into the camera's gallery.
   * @returns how many were loaded.
   */
  loadWallet(cameraId: string, wallet: string, showName: boolean): number {
    const gallery = this.#galleryOf(cameraId);
    const embeddings = this.#storedEmbeddings(wallet, `system:checkin`);
    if (embeddings.length > 0) gallery.set({ wallet, embeddings, showName });
    return embeddings.length;
  }

  /** Drops a wallet from the camera's gallery (check-out, session end). */
  unloadWallet(cameraId: string, wallet: string): void {
    this.#galleries.get(cameraId)?.delete(wallet);
  }

  /**
   * Enrols the single face of `image` (the camera's current frame when omitted) for `wallet`:
   * stores its embedding encrypted in the vault (temporary unless checked in), and adds it to the
   * gallery when the wallet is checked in.
   * @throws BadRequestError (field `image`) for no face or several faces, or too many enrolments.
   */
  async enroll(cameraId: string, wallet: string, actor: string, image?: RgbImage): Promise<Enrolment> {
    const picture = image ?? (await this.#currentFrame(cameraId));
    const faces = await this.#opts.model.analyze(picture);
    if (faces.length !== 1) {
      throw new BadRequestError(
        faces.length === 0
          ? 'no face found: look at the camera'
          : `${faces.length} faces found: enrolment needs exactly one`,
        'image',
      );
    }
    return this.enrollEmbedding(cameraId, wallet, actor, faces[0]!);
  }

  /**
   * Enrols a face already embedded (the face that performed a liveness challenge): stores its
   * embedding encrypted in the vault (temporary unless checked in), and adds it to the gallery
   * when the wallet is checked in.
   * @throws BadRequestError (field `wallet`) past {@link MAX_EMBEDDINGS_PER_WALLET} enrolments.
   */
  enrollEmbedding(
    cameraId: string,
    wallet: string,
    actor: string,
    face: { box: Box; score?: number; embedding: Float32Array },
  ): Enrolment {
    this.#galleryOf(cameraId);
    const stored = this.#opts.vault.list(wallet).filter((b) => b.kind === EMBEDDING_KIND).length;
    if (stored >= MAX_EMBEDDINGS_PER_WALLET) {
      throw new BadRequestError(
        `already ${stored} enrolments: delete them first (DELETE /api/face/${wallet})`,
        'wallet',
      );
    }
    const { embedding } = face;
    const showName = this.#opts.showName(cameraId, wallet);
    const temporary = showName === null;
    this.#opts.vault.put(
      wallet,
      EMBEDDING_KIND,
      new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength),
      {
        actor,
        ...(temporary ? { ttlMs: this.#opts.tempTtlMs } : {}),
      },
    );
    if (!temporary) this.loadWallet(cameraId, wallet, showName);
    return {
      box: roundBox(face.box),
      score: face.score ?? 1,
      embeddings: stored + 1,
      inGallery: !temporary,
      temporary,
      embedding,
    };
  }

  /**
   * Faces in `image` (the camera's current frame when omitted) with the identities the caller
   * may see: its own wallet, or every wallet for the operator.
   */
  async recognize(cameraId: string, caller: FaceCaller, image?: RgbImage): Promise<RecognizedFace[]> {
    const gallery = this.#galleryOf(cameraId);
    const picture = image ?? (await this.#currentFrame(cameraId));
    const faces = await this.#opts.model.analyze(picture);
    const results: RecognizedFace[] = [];
    for (const face of faces) {
      const best = gallery.best(face.embedding);
      const matched = best.wallet !== null && (best.similarity ?? -1) >= this.#threshold;
      const box = roundBox(face.box);
      if (caller.role === 'operator') {
        results.push({
          box,
          score: face.score,
          wallet: matched ? best.wallet : null,
          recognized: matched,
          similarity: best.similarity,
        });
      } else if (matched && best.wallet === caller.wallet) {
        results.push({ box, score: face.score, wallet: caller.wallet, recognized: true, similarity: best.similarity });
      } else {
        // Someone else's face, or nobody's: the same answer, so the caller learns nothing about others.
        results.push({ box, score: face.score, wallet: null, recognized: false, similarity: null });
      }
    }
    return results;
  }

  /**
   * A liveness challenge for `wallet` at `cameraId` (LivenessChallenges): the steps go to the
   * caller only.
   * @throws NotFoundError unknown camera; InvalidStateError (503) when liveness is off or the
   *   pipeline has no 68-point landmark model; VisionBusyError too many challenges open.
   */
  createChallenge(cameraId: string, wallet: string): LivenessChallengeView {
    this.#galleryOf(cameraId);
    const liveness = this.#opts.liveness;
    if (!liveness || !this.#opts.model.landmarks) {
      throw new InvalidStateError('liveness challenges need the 68-point landmark model (UltraFace pipeline)');
    }
    return liveness.create(wallet, cameraId);
  }

  /** The caller's own liveness challenge. @throws NotFoundError unknown, another wallet's, or liveness off. */
  challenge(id: string, wallet: string): LivenessChallengeView {
    if (!this.#opts.liveness) throw new NotFoundError('no such liveness challenge');
    return this.#opts.liveness.get(id, wallet);
  }

  /**
   * Uses the caller's passed challenge (once): the face that performed it, to enrol.
   * @throws NotFoundError unknown or another wallet's; HttpError 403 not passed.
   */
  takeChallenge(id: string, wallet: string, cameraId: string): { box: Box; embedding: Float32Array } {
    if (!this.#opts.liveness) throw new NotFoundError('no such liveness challenge');
    return this.#opts.liveness.take(id, wallet, cameraId);
  }

  /** Head poses of the tracked faces of one analysed frame, for the pending liveness challenges. */
  async #observePoses(cameraId: string, pipeline: FacePipeline, frame: RgbImage | KeptFrame): Promise<void> {
    const { liveness, model } = this.#opts;
    if (!liveness || !model.landmarks || !liveness.active(cameraId)) return;
    const tracks = pipeline.matchedTracks();
    const points =
      tracks.length > 0
        ? await model.landmarks(
            frame,
            tracks.map((t) => t.box),
          )
        : [];
    await liveness.observe(
      cameraId,
      tracks.map((t, i) => ({ trackId: t.trackId, box: t.box, yaw: yawRatio(points[i]!) })),
      (box) => model.embed(frame, { box }),
    );
  }

  /**
   * Faces the camera's pipeline tracks now (from the latest analysed frames), boxes in output
   * pixels, with the wallet of a recognised checked-in user (else null). Identity data: show a
   * wallet only to itself and the operator. `[]` for an unknown camera.
   */
  facesInFrame(cameraId: string): { box: [number, number, number, number]; wallet: string | null }[] {
    return (
      this.#pipelines
        .get(cameraId)
        ?.current()
        .map(({ box, wallet }) => ({ box, wallet })) ?? []
    );
  }

  /** Wallets in the camera's gallery (checked in and enrolled). */
  galleryWallets(cameraId: string): string[] {
    return this.#galleryOf(cameraId).wallets();
  }

  /** Deletes a wallet's face data everywhere (vault purge, every gallery). */
  deleteWallet(wallet: string, actor: string): { blobs: number; key: boolean; packages: number } {
    for (const g of this.#galleries.values()) g.delete(wallet);
    return this.#opts.vault.purge(wallet, { actor, reason: 'face data deleted by request' });
  }

  /** Clears a camera's gallery and purges its wallets' face data (operator). @returns the wallets purged. */
  clear(cameraId: string, actor: string): string[] {
    const gallery = this.#galleryOf(cameraId);
    const wallets = gallery.wallets();
    for (const w of wallets) this.#opts.vault.purge(w, { actor, reason: 'gallery cleared by the operator' });
    gallery.clear();
    return wallets;
  }

  /** Figures for `GET /api/face/status`. */
  status(): Record<string, unknown> {
    return {
      enabled: true,
      overlays: this.#overlays,
      threshold: this.#threshold,
      analysisFps: this.#opts.analysisFps,
      providers: this.#opts.model.providers ?? null,
      cameras: [...this.#pipelines].map(([id, p]) => ({
        id,
        gallery: this.#galleries.get(id)!.size,
        tracks: p.current().length,
        framesAnalysed: p.stats.frames,
        embeddings: p.stats.embeddings,
        lastDetectMs: round1(p.stats.lastDetectMs),
        lastFrameMs: round1(p.stats.lastFrameMs),
      })),
    };
  }

  /** Forgets every track, clears overlays and galleries. Idempotent. */
  close(): Promise<void> {
    for (const pipeline of this.#pipelines.values()) pipeline.reset(Date.now());
    for (const g of this.#galleries.values()) g.clear();
    return Promise.resolve();
  }

  #galleryOf(cameraId: string): FaceGallery {
    const gallery = this.#galleries.get(cameraId);
    if (!gallery) throw new NotFoundError(`unknown camera "${cameraId}"`);
    return gallery;
  }

  async #currentFrame(cameraId: string): Promise<RgbImage> {
    const camera = this.#opts.cameras.get(cameraId);
    if (!camera) throw new NotFoundError(`unknown camera "${cameraId}"`);
    let frame: Awaited<ReturnType<Camera['grab']>>;
    try {
      frame = await camera.grab({ format: 'rgb', overlays: false });
    } catch (error) {
      // camerad bounds the grabs in flight: too many at once is a busy server (503), not a fault.
      if (error instanceof CameradError && error.code === 'busy')
        throw new VisionBusyError(`the camera is busy: ${error.message}`, 1);
      throw error;
    }
    if (frame.noSignal) throw new BadRequestError('the camera has no picture (source lost)', 'camera');
    return { width: frame.width, height: frame.height, stride: frame.stride, data: frame.data };
  }

  #storedEmbeddings(wallet: string, actor: string): Float32Array[] {
    return this.#opts.vault
      .list(wallet)
      .filter((b) => b.kind === EMBEDDING_KIND)
      .map((b) => {
        const bytes = this.#opts.vault.get(wallet, b.id, actor);
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      });
  }
}

/** `AbCd…WxYz`: what an overlay shows for a wallet (users have no other name here). */
export function shortWallet(wallet: string): string {
  return `${wallet.slice(0, 4)}…${wallet.slice(-4)}`;
}

function roundBox(box: Box): [number, number, number, number] {
  return [Math.round(box[0]), Math.round(box[1]), Math.round(box[2]), Math.round(box[3])];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
