import './style.css';
import { ApiClient } from './api';
import { ViewerApp, type ViewerHandle } from './ViewerApp';

declare global {
  interface Window {
    /** Test hook: see web/README.md. */
    __viewer: ViewerHandle;
  }
}

function mustGet(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el;
}

const app = new ViewerApp(new ApiClient(), mustGet('grid'), mustGet('banner'), mustGet('summary'));
window.__viewer = app;
app.start();

// The wallet session panel loads after the players start: it carries web3.js and the wallet
// adapters (a chunk of its own), which the video does not need.
const sessionRoot = mustGet('session');
import('./session/startSession').then(
  ({ startSession }) => startSession(sessionRoot, () => app.status?.cameras.map((c) => c.id) ?? []),
  (err: unknown) => {
    sessionRoot.textContent = `The wallet session panel failed to load: ${String(err)}`;
    console.error('[session] panel failed to load', err);
  },
);
