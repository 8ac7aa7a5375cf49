import Router from '@koa/router';
import type { Context } from 'koa';
import { callerOf } from '../../access/AccessControl.js';
import type { AnalysisService } from '../../analysis/AnalysisService.js';
import { ANALYZER_TYPES } from '../../analysis/analyzersConfig.js';
import type { FaceDetection, HandDetection, ObjectDetection } from '../../analysis/analyzerTypes.js';
import { handWallet } from '../../analysis/handOwner.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { overlaysBody } from './analysisBodies.js';

/** What the analysis routes need. */
export interface AnalysisRouterDeps {
  analysis: Pick<AnalysisService, 'status' | 'detections' | 'runs' | 'overlays' | 'setOverlays' | 'summary'>;
  /** The cameras, by id (only the ids are read). */
  cameras: ReadonlyMap<string, unknown>;
}

/** One hand of `GET /api/gestures/current`. */
export interface CurrentHand {
  trackId: number | null;
  gesture: string;
  /** Gesture confidence 0..1. */
  score: number;
  handedness: 'left' | 'right';
  /** `[x, y, width, height]`, output px. */
  box: [number, number, number, number];
  /** 21 points `[x, y]`, output px (MediaPipe Hands order). */
  landmarks: [number, number][];
  /** When the gesture started, ms since the Unix epoch. */
  since: number;
  /** The recognised person the hand belongs to, only when the caller may see them (their own hand; the operator: any); else null. */
  wallet: string | null;
}

/**
 * The analysis routes (access rows in server/access/accessTable.ts):
 * - `GET /api/analysis/status` (viewer): each camera's analyzers with provider, configured and
 *   achieved fps, drops, median ms;
 * - `GET /api/gestures/current?camera=` and the original system's `GET /api/gesture/current`
 *   (viewer): the hands in view with gesture and landmarks; `wallet` only for the hand's own
 *   user and the operator (the same rule as `face:recognized`), null for everyone else;
 * - `POST /api/analysis/overlays` (operator): an analyzer type's overlays on or off.
 */
export function analysisRouter(deps: AnalysisRouterDeps): Router {
  const router = new Router();
  router.get('/api/analysis/status', (ctx) => {
    ctx.body = {
      ...deps.analysis.status(),
      overlays: Object.fromEntries(ANALYZER_TYPES.map((t) => [t, deps.analysis.overlays(t)])),
    };
  });

  const gestures = (ctx: Context): void => {
    const requested = ctx.query.camera;
    if (requested !== undefined && typeof requested !== 'string') {
      throw new HttpError(400, 'camera: give one camera id', 'camera');
    }
    if (requested !== undefined && !deps.cameras.has(requested)) {
      throw new HttpError(404, `unknown camera "${requested}"`, 'camera');
    }
    const ids = requested === undefined ? [...deps.cameras.keys()] : [requested];
    const caller = callerOf(ctx);
    const seesWallet = (cameraId: string, wallet: string): boolean => {
      if (caller.admin) return true;
      const claims = caller.session?.claims;
      if (!claims || claims.cameraId !== cameraId) return false;
      return claims.role === 'operator' || claims.wallet === wallet;
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      at: Date.now(),
      cameras: ids.map((id) => {
        const faces = deps.analysis.detections(id, 'face') as FaceDetection[];
        const people = (deps.analysis.detections(id, 'object') as ObjectDetection[]).filter(
          (o) => o.label === 'person',
        );
        const hands = (deps.analysis.detections(id, 'hand') as HandDetection[]).map((hand): CurrentHand => {
          const owner = handWallet(hand, faces, people);
          return {
            trackId: hand.trackId ?? null,
            gesture: hand.label,
            score: hand.gestureScore,
            handedness: hand.handedness,
            box: hand.box,
            landmarks: hand.keypoints,
            since: hand.since,
            wallet: owner !== null && seesWallet(id, owner) ? owner : null,
          };
        });
        return { id, running: deps.analysis.runs(id, 'hands'), hands };
      }),
    };
  };
  router.get('/api/gestures/current', gestures);
  router.get('/api/gesture/current', gestures);

  router.post('/api/analysis/overlays', async (ctx) => {
    const { type, enabled } = parseJsonBody(ctx, overlaysBody);
    await deps.analysis.setOverlays(type, enabled);
    ctx.body = { type, enabled };
  });
  return router;
}
