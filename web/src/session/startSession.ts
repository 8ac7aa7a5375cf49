import { SessionController, type SessionHandle } from './SessionController';
import { SessionPanel } from './SessionPanel';

/** How often the camera list of the sign-in form is refreshed from the viewer's status, ms. */
const CAMERA_LIST_MS = 1000;

declare global {
  interface Window {
    /** Test hook: see web/README.md ("Wallet session"). */
    __session: SessionHandle;
  }
}

/**
 * Starts the wallet session panel in `root` and sets `window.__session`. Loaded on demand by
 * main.ts (it carries web3.js and the wallet adapters, a separate chunk from the viewer's).
 * @param root the panel's element (`#session`).
 * @param cameras the camera ids the viewer currently lists (read every second, no request).
 */
export function startSession(root: HTMLElement, cameras: () => readonly string[]): SessionController {
  const controller = new SessionController();
  const preferred = new URL(window.location.href).searchParams.get('camera');
  const panel = new SessionPanel(root, controller, preferred);
  window.__session = controller;
  // The viewer's status lists the cameras; the session config's list serves until it answers.
  const listed = (): readonly string[] => {
    const ids = cameras();
    return ids.length > 0 ? ids : (controller.config?.cameras ?? []);
  };
  panel.setCameras(listed());
  controller.onChange(() => panel.setCameras(listed()));
  window.setInterval(() => panel.setCameras(listed()), CAMERA_LIST_MS);
  void controller.start();
  return controller;
}
