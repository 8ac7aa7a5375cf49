/**
 * Entry of `edge-camera.js` (a stable file name in web/dist, see web/vite.config.ts): defines the
 * `<edge-camera>` custom element (src/embed/EdgeCamera.ts). A page of another origin embeds a
 * camera with `<script type="module" src="https://box/cam/edge-camera.js">` and
 * `<edge-camera server="https://box/cam/" camera="cam0" token="…">`.
 */
import { EdgeCamera } from './embed/EdgeCamera';

declare global {
  interface HTMLElementTagNameMap {
    'edge-camera': EdgeCamera;
  }
}

if (!customElements.get('edge-camera')) customElements.define('edge-camera', EdgeCamera);

export { EdgeCamera };
