import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';
import send from 'send';
import { z } from 'zod';
import { CameradError } from '../../../media/core/errors.js';
import { CaptureError } from '../../capture/CaptureError.js';
import type { MediaCaller, MediaItem, MediaKind } from '../../capture/captureTypes.js';
import { isMediaId } from '../../capture/mediaId.js';
import { type MediaCursor, MediaStore } from '../../capture/MediaStore.js';
import type { CaptureRoutes } from '../../capture/createCapture.js';
import { callerOf as accessCallerOf } from '../../access/AccessControl.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import type { RequestSession } from '../sessionAuth.js';
import { sessionOf } from '../sessionAuth.js';
import { cameraBody, toggleBody } from './captureBodies.js';

/** What the capture routes need: declared by capture itself (`createCapture` builds it). */
export type CaptureRouterDeps = CaptureRoutes;

/** Page size of the listings: default and maximum. */
export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `an integer from 1 to ${PAGE_MAX}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= PAGE_MAX, `an integer from 1 to ${PAGE_MAX}`)
    .optional(),
  before: z.string().max(64).optional(),
});

/** Where each kind is served, and its file type. */
const KINDS: Record<MediaKind, { base: string; contentType: string; ext: string }> = {
  photo: { base: '/api/photos', contentType: 'image/jpeg', ext: 'jpg' },
  video: { base: '/api/videos', contentType: 'video/mp4', ext: 'mp4' },
};

/** Who calls: session (wallet, role, camera) or the admin token (operator, any camera). */
interface Caller extends MediaCaller {
  /** The session's camera; undefined for the admin token. */
  cameraId: string | undefined;
}

/**
 * Photos and recordings (`server/capture`):
 * - `POST /api/capture` `{cameraId?}` → 201, a full-size JPEG photo with its metadata.
 * - `POST /api/record/start` `{cameraId?}` → 201, a recording; `POST /api/record/stop` `{cameraId?}` → 200.
 * - `POST /api/record` `{cameraId?, action?: toggle|start|stop}`: the seed API's alias, toggling by default.
 * - `GET /api/photos`, `GET /api/videos` `?limit=1..100&before=<cursor>` → newest first, `{items, next}`.
 * - `GET /api/photos/:id`, `GET /api/videos/:id` → the file (Range, If-Range, 206, 416; HEAD).
 * - `DELETE /api/photos/:id`, `DELETE /api/videos/:id`.
 * Access: a wallet's session (at its own camera) or the operator (the operator wallet's session,
 * or the admin token, which may name any camera; server/access/accessTable.ts). Lists show the caller's own items (the
 * operator: all). A file is served to its owner, the operator, or anyone holding its signed URL
 * (`signedUrl` in the metadata, for `<img>`/`<video>`); deleting is for the owner or the
 * operator, and never while recording (409). Stopping a recording: its owner or the operator.
 * Per-wallet quotas (`outputs.quotas`, not for the operator): photos per hour → 429 with
 * `Retry-After`; bytes kept → 507 naming the quota; one recording per wallet → 409. Nothing is
 * written when a request is refused.
 * An `:id` that is not 32 lowercase hex characters is a 400 before any lookup; an unknown one 404.
 */
/**
 * @param deps.basePath path prefix of `server.publicUrl` (`''` or e.g. `/cam`) put before the
 *   item URLs (HttpDeps.basePath).
 */
export function captureRouter(deps: CaptureRouterDeps & { basePath: string }): Router {
  const router = new Router();

  const callerOf = (ctx: Context): Caller => {
    const session = ctx.state.session as RequestSession | undefined;
    if (session) {
      const { claims } = session;
      return { wallet: claims.wallet, operator: claims.role === 'operator', cameraId: claims.cameraId };
    }
    if (accessCallerOf(ctx).admin) return { wallet: null, operator: true, cameraId: undefined };
    sessionOf(ctx); // 401 naming the missing session
    throw new HttpError(401, 'sign in first', 'authorization');
  };
  const caller = callerOf;

  /** The camera a request acts on: the session's, or for the admin token the named/first one. */
  const cameraOf = (who: Caller, requested: string | undefined): string => {
    if (who.cameraId !== undefined) {
      if (requested !== undefined && requested !== who.cameraId) {
        throw new HttpError(
          403,
          `your session is for camera "${who.cameraId}", not "${requested}": sign in there`,
          'cameraId',
        );
      }
      return who.cameraId;
    }
    const cameraId = requested ?? deps.cameraIds[0];
    if (cameraId === undefined || !deps.cameraIds.includes(cameraId)) {
      throw new HttpError(404, `unknown camera "${requested}"`, 'cameraId');
    }
    return cameraId;
  };

  const view = (item: MediaItem): Record<string, unknown> => {
    const { base, contentType } = KINDS[item.kind];
    const url = `${deps.basePath}${base}/${item.id}`;
    return {
      id: item.id,
      kind: item.kind,
      cameraId: item.cameraId,
      wallet: item.wallet,
      status: item.status,
      createdAt: item.createdAt,
      startedAt: item.startedAt,
      stoppedAt: item.stoppedAt,
      durationMs:
        item.kind === 'video' && item.startedAt !== null && item.stoppedAt !== null
          ? item.stoppedAt - item.startedAt
          : null,
      frames: item.frames,
      bytes: item.bytes ?? (item.status === 'recording' ? (deps.store.fileSize(item) ?? 0) : null),
      width: item.width,
      height: item.height,
      error: item.error,
      faces: item.faces,
      contentType,
      url,
      signedUrl: `${url}?${deps.signer.sign(item.id)}`,
    };
  };

  /** The item `:id` of `kind`, after the id format check; 404 when unknown or of the other kind. */
  const itemOf = (ctx: Context, kind: MediaKind): MediaItem => {
    const id = (ctx.params as { id?: string }).id;
    if (!isMediaId(id)) {
      throw new HttpError(400, 'id: not a media id (32 lowercase hexadecimal characters)', 'id');
    }
    const item = deps.store.get(id);
    if (!item || item.kind !== kind) throw new HttpError(404, `no ${kind} with id ${id}`, 'id');
    return item;
  };
  const mayAccess = (who: Caller, item: MediaItem): boolean =>
    who.operator || (item.wallet !== null && item.wallet === who.wallet);

  const startRecording = async (ctx: Context, cameraId: string): Promise<void> => {
    const item = await capture(() => deps.recordings.start(cameraId, caller(ctx)), deps.store.mediaDir);
    ctx.status = 201;
    ctx.set('Location', KINDS.video.base + '/' + item.id);
    ctx.body = view(item);
  };
  const stopRecording = async (ctx: Context, cameraId: string): Promise<void> => {
    const running = deps.recordings.current(cameraId);
    if (running && !mayAccess(caller(ctx), running)) {
      throw new HttpError(403, 'only the wallet that started this recording, or the operator, may stop it', 'cameraId');
    }
    ctx.body = view(await capture(() => deps.recordings.stop(cameraId), deps.store.mediaDir));
  };

  router.post('/api/capture', async (ctx) => {
    const body = optionalJsonBody(ctx, cameraBody);
    const cameraId = cameraOf(caller(ctx), body.cameraId);
    const item = await capture(() => deps.photos.capture(cameraId, caller(ctx)), deps.store.mediaDir);
    ctx.status = 201;
    ctx.set('Location', KINDS.photo.base + '/' + item.id);
    ctx.body = view(item);
  });

  router.post('/api/record/start', async (ctx) => {
    const body = optionalJsonBody(ctx, cameraBody);
    await startRecording(ctx, cameraOf(caller(ctx), body.cameraId));
  });

  router.post('/api/record/stop', async (ctx) => {
    const body = optionalJsonBody(ctx, cameraBody);
    await stopRecording(ctx, cameraOf(caller(ctx), body.cameraId));
  });

  router.post('/api/record', async (ctx) => {
    const body = optionalJsonBody(ctx, toggleBody);
    const cameraId = cameraOf(caller(ctx), body.cameraId);
    const recording = deps.recordings.current(cameraId) !== undefined;
    const stop = body.action === 'stop' || (body.action === 'toggle' && recording);
    await (stop ? stopRecording(ctx, cameraId) : startRecording(ctx, cameraId));
  });

  for (const kind of ['photo', 'video'] as const) {
    const { base } = KINDS[kind];

    router.get(base, (ctx) => {
      const who = caller(ctx);
      const query = parseQuery(ctx, listQuery);
      let before: MediaCursor | undefined;
      if (query.before !== undefined) {
        before = MediaStore.parseCursor(query.before);
        if (!before) throw new HttpError(400, 'before: not a cursor from an earlier page', 'before');
      }
      const page = deps.store.list({
        kind,
        ...(who.operator ? {} : { wallet: who.wallet ?? '' }),
        limit: query.limit ?? PAGE_DEFAULT,
        ...(before ? { before } : {}),
      });
      ctx.body = { items: page.items.map(view), next: page.next };
    });

    router.get(`${base}/:id`, async (ctx) => {
      const item = itemOf(ctx, kind);
      if (!deps.signer.verify(item.id, ctx.query.exp, ctx.query.sig)) {
        if (ctx.query.sig !== undefined && !ctx.state.session && !accessCallerOf(ctx).admin) {
          throw new HttpError(403, 'signed URL expired or not valid: list the items again for a new one', 'sig');
        }
        if (!mayAccess(callerOf(ctx), item)) throw new HttpError(403, `this ${kind} belongs to another wallet`, 'id');
      }
      await serveFile(ctx, deps.store, item);
    });

    router.delete(`${base}/:id`, (ctx) => {
      const item = itemOf(ctx, kind);
      if (!mayAccess(caller(ctx), item)) {
        throw new HttpError(403, `only the owner or the operator may delete this ${kind}`, 'id');
      }
      const deleted = capture(() => deps.store.delete(item.id));
      if (!deleted) throw new HttpError(404, `no ${kind} with id ${item.id}`, 'id');
      ctx.body = { deleted: view(deleted) };
    });
  }
  return router;
}

/** A JSON body when one was sent; an absent body reads as `{}`. @throws HttpError 400/415 as parseJsonBody. */
function optionalJsonBody<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  if (!ctx.request.type && !ctx.request.length) return parseBody(schema, {});
  return parseJsonBody(ctx, schema);
}

function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, parsed.error.issues[0]?.message ?? 'bad body', 'body');
  return parsed.data;
}

/** Validates the query string. @throws HttpError 400 naming the first bad parameter. */
function parseQuery<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  const query = Object.fromEntries(
    Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]),
  );
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'query') : String(issue.path[0] ?? 'query');
    const message = issue.code === 'unrecognized_keys' ? 'unknown query parameter' : issue.message;
    throw new HttpError(400, `${field}: ${message}`, field);
  }
  return parsed.data;
}

/**
 * HTTP status of each CaptureError code. A per-wallet photo rate is a 429 with `Retry-After`
 * (RFC 6585 §4: too many requests in a given time). A wallet at its byte quota is a 507, as
 * WebDAV quotas answer (RFC 4331 §6, `DAV:quota-not-exceeded`; RFC 4918 §11.5): the server cannot
 * store more for this caller, and no request body is too large, so 413 would mislead; `field`
 * names the quota setting, which tells it apart from a full disk (`field: disk`).
 */
const CAPTURE_STATUS: Record<CaptureError['code'], number> = {
  busy: 409,
  not_recording: 409,
  in_progress: 409,
  disk_full: 507,
  no_signal: 503,
  rate_limited: 429,
  over_quota: 507,
};

/**
 * Runs a capture action, mapping its domain errors by {@link CAPTURE_STATUS} (`rate_limited`
 * carries `Retry-After`); CameradError `busy` (too many grabs)
 * and camerad's other failures (e.g. `grab_failed`, `too_large`) → 503 with camerad's message; a
 * `bad_request` from camerad is the server's bug (500). Anything else goes to the error
 * middleware unchanged. The media folder's path is left out of camerad's messages.
 */
function capture<T>(action: () => T, mediaDir = ''): T {
  const map = (error: unknown): unknown => {
    if (error instanceof CaptureError) {
      const status = CAPTURE_STATUS[error.code];
      return error.retryAfterS === undefined
        ? new HttpError(status, error.message, error.field)
        : new HttpError(status, error.message, error.field, { 'Retry-After': String(error.retryAfterS) });
    }
    if (error instanceof CameradError && error.code === 'busy') {
      return new HttpError(503, `camerad is busy: ${error.message}; try again`, 'camera');
    }
    if (error instanceof CameradError && error.code !== 'bad_request') {
      // camerad could not do it (a grab or a recording branch failing): the server is fine.
      const message = mediaDir ? error.message.split(mediaDir).join('<media>') : error.message;
      return new HttpError(503, `camerad: ${error.code}: ${message}`, 'camera');
    }
    return error;
  };
  try {
    const result = action();
    return (result instanceof Promise ? result.catch((error: unknown) => Promise.reject(map(error))) : result) as T;
  } catch (error) {
    throw map(error);
  }
}

/**
 * Sends an item's file with `send`: Content-Type from the extension, ETag/Last-Modified,
 * Range/If-Range (206 with Content-Range; 416 for an unsatisfiable range), HEAD. Errors after
 * Koa handed the response over are answered here as `{ error }` JSON.
 */
async function serveFile(ctx: Context, store: MediaStore, item: MediaItem): Promise<void> {
  const path = store.pathOf(item);
  if (!existsSync(path)) throw new HttpError(404, `the file of ${item.kind} ${item.id} is missing`, 'id');
  const { ext } = KINDS[item.kind];
  ctx.respond = false;
  const res = ctx.res;
  // Koa starts every response as 404; send sets 206/304/416 itself but leaves a full answer's status.
  res.statusCode = 200;
  await new Promise<void>((resolve) => {
    const stream = send(ctx.req, encodeURIComponent(basename(path)), {
      root: dirname(path),
      index: false,
      dotfiles: 'deny',
      etag: true,
      lastModified: true,
      cacheControl: false,
    });
    stream.on('headers', () => {
      res.setHeader('Content-Disposition', `inline; filename="${item.id}.${ext}"`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // A recording being written changes; a finished file does not, but it is private.
      res.setHeader('Cache-Control', item.status === 'recording' ? 'no-store' : 'private, max-age=0');
    });
    stream.on('error', (error: Error & { status?: number; headers?: Record<string, string> }) => {
      if (res.headersSent) {
        res.destroy(error);
      } else {
        const status = error.status ?? 500;
        res.statusCode = status;
        for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        const message =
          status === 416
            ? `range not satisfiable: the file has ${store.fileSize(item) ?? 0} bytes`
            : status >= 500
              ? 'internal error'
              : error.message;
        res.end(JSON.stringify(status === 416 ? { error: message, field: 'range' } : { error: message }));
      }
      resolve();
    });
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
    stream.pipe(res);
  });
}
