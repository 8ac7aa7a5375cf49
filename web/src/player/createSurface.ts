import type { PlayerSurface } from './PlayerTypes';

/**
 * The three elements a player draws into, for camera `id`: `video#video-<id>.player`
 * (`autoplay muted playsinline`, WebRTC and MSE), `canvas#canvas-<id>.player` (WebCodecs) and
 * `img#img-<id>.player` (MJPEG), each with `data-camera=<id>`; the video shows, the others are
 * hidden until their path plays.
 * @param doc document to create them in.
 */
export function createSurface(id: string, doc: Document = document): PlayerSurface {
  const video = doc.createElement('video');
  video.id = `video-${id}`;
  video.dataset.camera = id;
  video.className = 'player';
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  // Attributes too, so they show in the DOM (tests/inspectors read them).
  video.setAttribute('autoplay', '');
  video.setAttribute('muted', '');
  video.setAttribute('playsinline', '');
  const canvas = doc.createElement('canvas');
  canvas.id = `canvas-${id}`;
  canvas.dataset.camera = id;
  canvas.className = 'player';
  canvas.hidden = true;
  const img = doc.createElement('img');
  img.id = `img-${id}`;
  img.dataset.camera = id;
  img.className = 'player';
  img.alt = `camera ${id}`;
  img.hidden = true;
  return { video, canvas, img };
}

/** Shows one element of the surface and hides the others. */
export function showOnly(surface: PlayerSurface, which: keyof PlayerSurface): void {
  surface.video.hidden = which !== 'video';
  surface.canvas.hidden = which !== 'canvas';
  surface.img.hidden = which !== 'img';
}
