import Router from '@koa/router';
import type { Context } from 'koa';
import { PublicKey } from '@solana/web3.js';
import { z } from 'zod';
import type { BiometricVault } from '../../biometrics/BiometricVault.js';
import type { FaceNftBuilder } from '../../chain/FaceNftBuilder.js';
import type { CheckinTransactions } from '../../chain/CheckinTransactions.js';
import type { FaceCaller, FaceService } from '../../vision/FaceService.js';
import type { ImageDecoder } from '../../vision/ImageDecoder.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { readImageBody } from '../readImageBody.js';
import { sessionOf } from '../sessionAuth.js';
import { walletAddress } from './sessionRouter.js';

const enrollBody = z.strictObject({ nft: z.boolean().default(false) });
const recognizeBody = z.strictObject({});
const thresholdBody = z.strictObject({ threshold: z.number().min(0).max(1) });
const cameraBody = z.strictObject({ cameraId: z.string().optional() });
const enabledBody = z.strictObject({ enabled: z.boolean() });

/** What the face routes need. */
export interface FaceRouterDeps {
  /** undefined when vision is off or its models did not load: the routes answer 503. */
  faces: FaceService | undefined;
  decoder: ImageDecoder;
  vault: BiometricVault;
  cameraIds: readonly string[];
  /** Enrolment from an uploaded image (off by default: anyone could enrol someone else's photo). */
  uploadEnroll: { enabled: boolean };
  /** Present when the chain is configured: enrolment can also build the face NFT. */
  nft: { builder: FaceNftBuilder; transactions: CheckinTransactions } | undefined;
  /** Why vision is off, for the status route. */
  disabledReason: string | undefined;
}

/**
 * Face enrolment and recognition (`/api/face/*`, and the seed API's `/api/face/unified/*`
 * aliases): enrol from the camera's current frame (exactly one face) or, when the operator
 * allows it, an uploaded JPEG/PNG; recognise in the current frame or an upload; list, delete,
 * threshold, clear (operator), status. Identities are shown only to their wallet and the
 * operator.
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
  const uploadOf = async (ctx: Context): Promise<RgbImage | undefined> => {
    const bytes = await readImageBody(ctx, deps.decoder.maxBytes);
    return bytes === undefined ? undefined : deps.decoder.decode(bytes, 'image');
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
        ? { ...deps.faces.status(), uploadEnroll: deps.uploadEnroll.enabled }
        : { enabled: false, reason: deps.disabledReason ?? 'disabled' };
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
      const image = isImage ? await uploadOf(ctx) : undefined;
      const { nft } = isImage ? { nft: false } : parseJsonBody(ctx, enrollBody);
      if (nft && !deps.nft) throw new HttpError(503, 'chain not configured on this server: no face NFT', 'nft');
      const actor = `${caller.role}:${caller.wallet}`;
      const enrolled = await faces.enroll(cameraId, caller.wallet, actor, image);
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

    router.post(`${prefix}/recognize`, async (ctx) => {
      const faces = facesOf();
      const { caller, cameraId } = callerOf(ctx);
      const image = await uploadOf(ctx);
      if (!image) parseJsonBody(ctx, recognizeBody);
      ctx.body = { cameraId, threshold: faces.threshold, faces: await faces.recognize(cameraId, caller, image) };
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
  return router;
}
