import Router from '@koa/router';
import type { Context } from 'koa';
import { PublicKey } from '@solana/web3.js';
import { z } from 'zod';
import type { BiometricVault } from '../../biometrics/BiometricVault.js';
import type { FaceNftBuilder } from '../../chain/FaceNftBuilder.js';
import type { CheckinTransactions } from '../../chain/CheckinTransactions.js';
import type { EnrolmentRequests } from '../../vision/EnrolmentRequests.js';
import type { EnrolmentMode } from '../../vision/facesConfig.js';
import type { Enrolment, FaceCaller, FaceService } from '../../vision/FaceService.js';
import type { ImageDecoder } from '../../vision/ImageDecoder.js';
import type { UploadQueue } from '../../vision/UploadQueue.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import { callerOf as accessCallerOf } from '../../access/AccessControl.js';
import type { AnalysisStatus } from '../../analysis/AnalysisService.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { readImageBody } from '../readImageBody.js';
import { sessionOf } from '../sessionAuth.js';
import { cameraBody, emptyBody, enabledBody, enrollBody, recognizeBody, thresholdBody } from './faceBodies.js';
import { walletAddress } from './sessionBodies.js';

const idParam = z.uuid();

/** What the face routes need. */
export interface FaceRouterDeps {
  /** undefined when vision is off or its models did not load: the routes answer 503. */
  faces: FaceService | undefined;
  decoder: ImageDecoder;
  vault: BiometricVault;
  cameraIds: readonly string[];
  /** Enrolment from an uploaded image (off by default: anyone could enrol someone else's photo). */
  uploadEnroll: { enabled: boolean };
  /** Recognition in an uploaded image by users (off by default; the operator always may). */
  uploadRecognize: { enabled: boolean };
  /** Which enrolment paths from the camera are on (`faces.enrolment`). */
  enrolment: EnrolmentMode;
  /** Uploaded images are decoded and analysed one at a time here (full: 503 with Retry-After). */
  uploads: UploadQueue;
  /** Operator-approved enrolment requests; undefined when `faces.enrolment` is `liveness`. */
  requests: EnrolmentRequests | undefined;
  /** Present when the chain is configured: enrolment can also build the face NFT. */
  nft: { builder: FaceNftBuilder; transactions: CheckinTransactions } | undefined;
  /** Why vision is off, for the status route. */
  disabledReason: string | undefined;
  /** Every camera's analyzers (faces, hands, objects, sky), shown by the status route as `analysis`. */
  analysisStatus?: () => AnalysisStatus;
}

/**
 * Face enrolment and recognition (`/api/face/*`, and the seed API's `/api/face/unified/*`
 * aliases). Enrolment from the camera proves the face in frame is the caller's: either the
 * caller passed a liveness challenge shown only to them (`POST …/enroll/challenge`, then
 * `POST …/enroll {challengeId}` enrols the face that performed it), or the operator approved the
 * caller's request from their own session (`…/enroll/requests`); `faces.enrolment` says which
 * are on. An uploaded JPEG/PNG only when the operator allows it. Recognition in the current frame,
 * or in an upload (users only when the operator allows it); a user only ever learns about their
 * own face. Uploads are decoded and analysed one at a time (UploadQueue); a full queue or a
 * busy inference thread answers 503 with `Retry-After`. List, delete, threshold, clear
 * (operator), status.
 */
export function faceRouter(deps: FaceRouterDeps): Router {
  const router = new Router();
  const facesOf = (): FaceService => {
    if (!deps.faces)
      throw new HttpError(503, `face recognition is off: ${deps.disabledReason ?? 'disabled'}`, 'vision');
    return deps.faces;
  };
  const callerOf = (ctx: Context): { caller: FaceCaller; cameraId: string } => {
    const { claims } = sessionOf(ctx);
    return { caller: { wallet: claims.wallet, role: claims.role }, cameraId: claims.cameraId };
  };
  /** Runs `work` on the uploaded image (decoded in the upload queue), or with none for JSON. */
  const withUpload = async <T>(ctx: Context, work: (image: RgbImage | undefined) => Promise<T>): Promise<T> => {
    if (!ctx.request.type.startsWith('image/')) return work(undefined);
    deps.uploads.assertRoom();
    const bytes = await readImageBody(ctx, deps.decoder.maxBytes);
    if (bytes === undefined) return work(undefined);
    return deps.uploads.run(async () => work(await deps.decoder.decode(bytes, 'image')));
  };
  const livenessOn = (): boolean => deps.enrolment !== 'operator';
  const requestsOf = (): EnrolmentRequests => {
    if (!deps.requests) throw new HttpError(403, 'operator-approved enrolment is off (faces.enrolment)', 'enrolment');
    return deps.requests;
  };
  const operatorCamera = (ctx: Context): string => {
    const body = parseJsonBody(ctx, cameraBody);
    const cameraId =
      body.cameraId ??
      (ctx.state.session as { claims?: { cameraId: string } } | undefined)?.claims?.cameraId ??
      deps.cameraIds[0];
    if (cameraId === undefined || !deps.cameraIds.includes(cameraId)) {
      throw new HttpError(404, `unknown camera "${body.cameraId}"`, 'cameraId');
    }
    return cameraId;
  };

  for (const prefix of ['/api/face', '/api/face/unified']) {
    router.get(`${prefix}/status`, (ctx) => {
      ctx.body = deps.faces
        ? {
            ...deps.faces.status(),
            uploadEnroll: deps.uploadEnroll.enabled,
            uploadRecognize: deps.uploadRecognize.enabled,
            enrolment: deps.enrolment,
            ...(deps.analysisStatus ? { analysis: deps.analysisStatus() } : {}),
          }
        : {
            enabled: false,
            reason: deps.disabledReason ?? 'disabled',
            ...(deps.analysisStatus ? { analysis: deps.analysisStatus() } : {}),
          };
    });

    router.post(`${prefix}/enroll`, async (ctx) => {
      const faces = facesOf();
      const { caller, cameraId } = callerOf(ctx);
      const isImage = ctx.request.type.startsWith('image/');
      if (isImage && !deps.uploadEnroll.enabled) {
        throw new HttpError(
          403,
          'enrolment from an uploaded image is off (the operator can allow it); enrol from the camera',
          'image',
        );
      }
      const { nft, challengeId } = isImage ? { nft: false, challengeId: undefined } : parseJsonBody(ctx, enrollBody);
      if (nft && !deps.nft) throw new HttpError(503, 'chain not configured on this server: no face NFT', 'nft');
      const actor = `${caller.role}:${caller.wallet}`;
      let enrolled: Enrolment;
      if (isImage) {
        enrolled = await withUpload(ctx, (image) => faces.enroll(cameraId, caller.wallet, actor, image));
      } else if (challengeId !== undefined) {
        if (!livenessOn()) throw new HttpError(403, 'liveness enrolment is off (faces.enrolment)', 'challengeId');
        const face = faces.takeChallenge(challengeId, caller.wallet, cameraId);
        enrolled = faces.enrollEmbedding(cameraId, caller.wallet, `${actor} (liveness challenge)`, face);
      } else if (caller.role === 'operator') {
        // The operator enrols themselves from the camera: they answer for who stands there.
        enrolled = await faces.enroll(cameraId, caller.wallet, actor);
      } else {
        throw new HttpError(
          403,
          'enrolment from the camera needs a passed liveness challenge (POST /api/face/enroll/challenge, then {"challengeId"}) or the operator’s approval (POST /api/face/enroll/requests)',
          'challengeId',
        );
      }
      const { embedding, ...shown } = enrolled;
      let nftTx: Record<string, unknown> | undefined;
      if (nft && deps.nft) {
        const pkg = deps.vault.createPackage(
          caller.wallet,
          new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength),
          { kind: 'face-embedding', cameraId, actor },
        );
        const built = await deps.nft.builder.build(new PublicKey(caller.wallet), { sha256: pkg.sha256, uri: pkg.uri });
        const registered = deps.nft.transactions.register({
          kind: 'face-nft',
          wallet: caller.wallet,
          cameraId,
          transaction: built.transaction,
          lastValidBlockHeight: built.lastValidBlockHeight,
        });
        nftTx = {
          txId: registered.txId,
          transaction: built.base64,
          mint: built.mint.toBase58(),
          expiresAt: registered.expiresAt,
          package: { sha256: pkg.sha256, uri: pkg.uri },
        };
      }
      ctx.body = { wallet: caller.wallet, cameraId, ...shown, ...(nftTx ? { nft: nftTx } : {}) };
    });

    router.post(`${prefix}/enroll/challenge`, (ctx) => {
      const faces = facesOf();
      const { caller, cameraId } = callerOf(ctx);
      if (!livenessOn()) throw new HttpError(403, 'liveness enrolment is off (faces.enrolment)', 'enrolment');
      parseJsonBody(ctx, emptyBody);
      ctx.body = faces.createChallenge(cameraId, caller.wallet);
    });

    router.get(`${prefix}/enroll/challenge/:id`, (ctx) => {
      const faces = facesOf();
      const { caller } = callerOf(ctx);
      ctx.body = faces.challenge(uuidParam(ctx.params.id, 'id'), caller.wallet);
    });

    router.post(`${prefix}/enroll/requests`, (ctx) => {
      facesOf();
      const { caller, cameraId } = callerOf(ctx);
      parseJsonBody(ctx, emptyBody);
      const { requestId, expiresAt } = requestsOf().create(caller.wallet, cameraId);
      ctx.body = { requestId, cameraId, expiresAt };
    });

    router.get(`${prefix}/enroll/requests`, (ctx) => {
      ctx.body = { requests: requestsOf().list() };
    });

    router.post(`${prefix}/enroll/requests/:id/approve`, async (ctx) => {
      const faces = facesOf();
      const requests = requestsOf();
      const request = requests.get(uuidParam(ctx.params.id, 'id'));
      parseJsonBody(ctx, emptyBody);
      const operatorActor = accessCallerOf(ctx).admin ? 'admin:token' : `operator:${sessionOf(ctx).claims.wallet}`;
      const enrolled = await faces.enroll(
        request.cameraId,
        request.wallet,
        `${operatorActor} (approved the request of ${request.wallet})`,
      );
      requests.delete(request.requestId);
      // The embedding never leaves the box.
      const { embedding, ...shown } = enrolled;
      ctx.body = { wallet: request.wallet, cameraId: request.cameraId, ...shown };
    });

    router.delete(`${prefix}/enroll/requests/:id`, (ctx) => {
      const { caller } = callerOf(ctx);
      const requests = requestsOf();
      const request = requests.get(uuidParam(ctx.params.id, 'id'));
      if (request.wallet !== caller.wallet && caller.role !== 'operator') {
        throw new HttpError(404, 'no such enrolment request (approved, withdrawn or expired)', 'id');
      }
      requests.delete(request.requestId);
      ctx.body = { requestId: request.requestId, deleted: true };
    });

    router.post(`${prefix}/recognize`, async (ctx) => {
      const faces = facesOf();
      const { caller, cameraId } = callerOf(ctx);
      if (ctx.request.type.startsWith('image/') && caller.role !== 'operator' && !deps.uploadRecognize.enabled) {
        throw new HttpError(
          403,
          'recognition in an uploaded image is for the operator (who can allow it for users); recognise in the camera',
          'image',
        );
      }
      const found = await withUpload(ctx, (image) => {
        if (!image) parseJsonBody(ctx, recognizeBody);
        return faces.recognize(cameraId, caller, image);
      });
      ctx.body = { cameraId, threshold: faces.threshold, faces: found };
    });

    router.get(`${prefix}/enrolled`, (ctx) => {
      const faces = facesOf();
      const { caller, cameraId } = callerOf(ctx);
      const inGallery = faces.galleryWallets(cameraId);
      const stored = deps.vault.list(caller.wallet).filter((b) => b.kind === 'face-embedding').length;
      ctx.body =
        caller.role === 'operator'
          ? { cameraId, wallets: inGallery, own: { stored } }
          : { cameraId, wallets: inGallery.filter((w) => w === caller.wallet), own: { stored } };
    });

    router.delete(`${prefix}/:wallet`, (ctx) => {
      const faces = facesOf();
      const { caller } = callerOf(ctx);
      const parsed = walletAddress.safeParse(ctx.params.wallet);
      if (!parsed.success) throw new HttpError(400, 'wallet: not a base58 Solana address (32 bytes)', 'wallet');
      if (parsed.data !== caller.wallet && caller.role !== 'operator') {
        throw new HttpError(403, "only the operator may delete another wallet's face data", 'wallet');
      }
      ctx.body = { wallet: parsed.data, ...faces.deleteWallet(parsed.data, `${caller.role}:${caller.wallet}`) };
    });

    router.post(`${prefix}/threshold`, (ctx) => {
      const faces = facesOf();
      const { threshold } = parseJsonBody(ctx, thresholdBody);
      ctx.body = { threshold: faces.setThreshold(threshold) };
    });

    router.post(`${prefix}/clear`, (ctx) => {
      const faces = facesOf();
      const cameraId = operatorCamera(ctx);
      const actor = ctx.state.session ? `operator:${sessionOf(ctx).claims.wallet}` : 'operator:deployment-token';
      ctx.body = { cameraId, purged: faces.clear(cameraId, actor) };
    });
  }

  router.post('/api/face/overlays', async (ctx) => {
    const faces = facesOf();
    const { enabled } = parseJsonBody(ctx, enabledBody);
    ctx.body = { enabled: await faces.setOverlays(enabled) };
  });

  router.post('/api/face/upload-enroll', (ctx) => {
    const { enabled } = parseJsonBody(ctx, enabledBody);
    deps.uploadEnroll.enabled = enabled;
    ctx.body = { enabled };
  });

  router.post('/api/face/upload-recognize', (ctx) => {
    const { enabled } = parseJsonBody(ctx, enabledBody);
    deps.uploadRecognize.enabled = enabled;
    ctx.body = { enabled };
  });

  return router;
}

/** A path parameter that must be a UUID. @throws HttpError 400 naming `field`. */
function uuidParam(value: string | undefined, field: string): string {
  const parsed = idParam.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `${field}: not a UUID`, field);
  return parsed.data;
}
