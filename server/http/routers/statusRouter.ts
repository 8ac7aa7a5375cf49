import Router from '@koa/router';
import type { HttpDeps } from '../HttpDeps.js';

/**
 * `GET /api/status`: cameras, source, encoder, fps, bitrate, viewers, uptime, the counts of the
 * objects analyzer per camera (`objects`, where it runs), and the viewer page's player settings
 * (`player`, server/player/playerConfig.ts), and the outputs with a state of their own (`outputs.rtsp`,
 * `outputs.janus`). Viewer access (server/access/accessTable.ts).
 */
export function statusRouter(
  deps: Pick<
    HttpDeps,
    'cameras' | 'sfu' | 'startedAt' | 'version' | 'basePath' | 'wsVideo' | 'player' | 'analysis' | 'janus' | 'rtsp'
  >,
): Router {
  const router = new Router();
  router.get('/api/status', (ctx) => {
    // `ws_viewers`: WebSocket video viewers (docs/websocket-video.md); `viewers` stays WebRTC's.
    const cameras = [...deps.cameras.values()].map((camera) => {
      const status = camera.status();
      const objects = deps.analysis.summary(camera.id, 'objects')?.counts as Record<string, number> | undefined;
      return {
        ...status,
        whep: `${deps.basePath}${status.whep}`,
        ws_viewers: deps.wsVideo.viewers(camera.id).length,
        ...(objects ? { objects } : {}),
      };
    });
    ctx.body = {
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      sfu: deps.sfu.name,
      viewers: cameras.reduce((sum, c) => sum + c.viewers, 0),
      cameras,
      player: { webrtcTimeoutMs: deps.player.webrtcTimeoutMs },
      // Outputs with a state of their own: the RTSP output (media/rtsp/RtspOutput.ts: state, port,
      // clients per camera) and the Janus forward (docs/janus.md), each when configured.
      ...(deps.janus || deps.rtsp
        ? {
            outputs: {
              ...(deps.rtsp ? { rtsp: deps.rtsp.status() } : {}),
              ...(deps.janus ? { janus: deps.janus.status() } : {}),
            },
          }
        : {}),
    };
  });
  return router;
}
