import { type WsAccessUnit, type WsConfig, parseAccessUnit, parseTextMessage } from './wsProtocol';

/**
 * Client of the WebSocket video path (docs/websocket-video.md): opens `url` (already carrying
 * `?token=`), parses every message and hands configurations and access units to its callbacks.
 * It never sends. A malformed message, an error or the server's close ends it: `onclose` is
 * called exactly once (not after `close()`). `close()` is idempotent.
 */
export class VideoSocket {
  /** Called with each configuration (first, and on every SPS/PPS change). */
  onconfig: ((config: WsConfig) => void) | null = null;
  /** Called with each access unit, `receivedAt` = `performance.now()` when the message arrived, ms. */
  onaccessunit: ((au: WsAccessUnit, receivedAt: number) => void) | null = null;
  /** Called once when the socket ended by itself: why, for display. */
  onclose: ((reason: string) => void) | null = null;
  /** Bytes of the binary messages received. */
  bytesReceived = 0;

  private ws: WebSocket | null = null;
  private closed = false;
  /** The server's `close` message text, shown instead of the bare close code. */
  private serverReason: string | null = null;

  /** @param url absolute `ws:`/`wss:` URL of `GET api/cameras/{camera}/ws`. */
  constructor(private readonly url: string) {}

  /** Opens the socket (once). */
  open(): void {
    if (this.ws || this.closed) return;
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (this.closed) return;
      try {
        if (typeof ev.data === 'string') {
          const msg = parseTextMessage(ev.data);
          if (msg.type === 'config') this.onconfig?.(msg);
          else this.serverReason = msg.reason || null;
        } else {
          this.bytesReceived += ev.data.byteLength;
          this.onaccessunit?.(parseAccessUnit(ev.data), performance.now());
        }
      } catch (err) {
        this.end(err instanceof Error ? err.message : String(err));
      }
    };
    ws.onclose = (ev) => {
      const why = this.serverReason ?? (ev.reason || (ev.code === 1006 ? 'refused or cut' : `code ${ev.code}`));
      this.end(`WebSocket closed: ${why}`);
    };
    // An error is always followed by `close`, which reports it.
    ws.onerror = null;
    this.ws = ws;
  }

  /** Closes the socket without calling `onclose`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    this.onclose?.(reason);
  }

  private detach(): void {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
}

/**
 * The WebSocket URL of a camera's video: `api/cameras/{camera}/ws` resolved against `base` (the
 * page or server URL), `http(s)` turned into `ws(s)`, the viewer token as `?token=`.
 */
export function videoSocketUrl(base: string, cameraId: string, token: string | null): string {
  const url = new URL(`api/cameras/${encodeURIComponent(cameraId)}/ws`, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  if (token) url.searchParams.set('token', token);
  return url.href;
}
