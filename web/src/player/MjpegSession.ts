import type { PathSession, PlayerSurface } from './PlayerTypes';
import { showOnly } from './createSurface';

/** How often the picture is checked for its first frame, ms. */
const POLL_MS = 100;

/**
 * The `mjpeg` path, the last resort: the server's MJPEG stream (`stream?camera=<id>&token=…`,
 * server/http/routers/mjpegRouter.ts, `multipart/x-mixed-replace`) in the `<img>`. The browser
 * decodes it by itself; `framesDecoded` counts `load` events (one or more, browsers differ) and is
 * at least 1 once a picture is shown. Fails when the image errors (refused, camera stopped, cut).
 */
export class MjpegSession implements PathSession {
  readonly path = 'mjpeg' as const;
  readonly bytesReceived = 0;
  onfirstframe: ((at: number) => void) | null = null;
  onfailure: ((reason: string) => void) | null = null;

  private loads = 0;
  private shown = false;
  private closed = false;
  private timer: number | undefined;

  /**
   * @param url absolute MJPEG URL (with `?camera=` and `?token=`).
   * @param surface the img shows the stream; video and canvas are hidden.
   */
  constructor(
    private readonly url: string,
    private readonly surface: PlayerSurface,
  ) {}

  get framesDecoded(): number {
    return this.shown ? Math.max(1, this.loads) : 0;
  }

  get width(): number {
    return this.surface.img.naturalWidth;
  }

  get height(): number {
    return this.surface.img.naturalHeight;
  }

  start(): void {
    const img = this.surface.img;
    img.addEventListener('load', this.onLoad);
    img.addEventListener('error', this.onError);
    img.src = this.url;
    this.timer = window.setInterval(() => {
      if (img.naturalWidth > 0) this.firstFrame();
    }, POLL_MS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    window.clearInterval(this.timer);
    const img = this.surface.img;
    img.removeEventListener('load', this.onLoad);
    img.removeEventListener('error', this.onError);
    // An empty src ends the multipart request (the server drops the client).
    img.removeAttribute('src');
  }

  private readonly onLoad = (): void => {
    this.loads++;
    this.firstFrame();
  };

  private readonly onError = (): void => {
    if (this.closed) return;
    this.close();
    this.onfailure?.('MJPEG stream refused or cut');
  };

  private firstFrame(): void {
    if (this.closed || this.shown) return;
    this.shown = true;
    window.clearInterval(this.timer);
    showOnly(this.surface, 'img');
    this.onfirstframe?.(performance.now());
  }
}
