import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import { WsVideoServer } from '../../media/ws/WsVideoServer.js';
import { SECURITY_HEADERS, type AccessControl } from '../access/AccessControl.js';
import { accessRow } from '../access/accessTable.js';
import { ViewerCaps } from '../access/ViewerCaps.js';
import type { ResolvedConfig } from '../config/loadConfig.js';

/**
 * The WebSocket video path (docs/websocket-video.md) over the running cameras, admitted by the
 * access model from its access-table row (`GET /api/cameras/:camera/ws`, viewer, `socket` rate
 * bucket) and capped per camera and per address like WHEP (`limits.whepViewersPerCamera`,
 * `limits.whepViewersPerAddress`, counted apart from WebRTC viewers) and in total
 * (`websocket.maxClients`). The caller attaches it to the HTTP server once it listens.
 * @throws Error when the access table has no row for it (a wiring bug).
 */
export function createWsVideo(
  config: Pick<ResolvedConfig, 'websocket' | 'limits'>,
  cameras: ReadonlyMap<string, Camera>,
  access: AccessControl,
  logger: Logger,
): WsVideoServer {
  const row = accessRow('GET', '/api/cameras/:camera/ws');
  if (!row || row.transport !== 'websocket') throw new Error('no access-table row for the WebSocket video path');
  const caps = new ViewerCaps(config.limits);
  return new WsVideoServer({
    cameras,
    config: config.websocket,
    logger,
    admission: {
      headers: SECURITY_HEADERS,
      async admit(req, cameraId, live) {
        const caller = await access.admitUpgrade(req, row, cameraId);
        if (cameras.has(cameraId)) caps.admit(cameraId, caller.address, live);
        return caller.address;
      },
      added: (cameraId, viewerId, address) => caps.added(cameraId, viewerId, address),
    },
  });
}
