import './style.css';
import { ApiClient } from './api';
import { ViewerApp, type ViewerHandle } from './ViewerApp';

declare global {
  interface Window {
    /** Test hook: see web/README.md. */
    __viewer: ViewerHandle;
    /** Test hook: the face panel (its `lines` are the face events received, newest first). */
    __faces: import('./faces/FacePanel').FacePanel;
    /** Test hook: the photos, videos and Livepeer panel. */
    __media: import('./media/MediaPanel').MediaPanel;
    /** Test hook: the analysis panel (`status`: the last `GET /api/analysis/status` answer). */
    __analysis: import('./analysis/AnalysisPanel').AnalysisPanel;
    /** Test hook: the gestures panel (`lines` newest first, `current`, `notice`). */
    __gestures: import('./analysis/GesturePanel').GesturePanel;
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
const cameraIds = (): string[] => app.status?.cameras.map((c) => c.id) ?? [];
Promise.all([
  import('./session/startSession'),
  import('./faces/FacePanel'),
  import('./media/MediaPanel'),
  import('./analysis/AnalysisPanel'),
  import('./analysis/GesturePanel'),
]).then(
  ([{ startSession }, { FacePanel }, { MediaPanel }, { AnalysisPanel }, { GesturePanel }]) => {
    const session = startSession(sessionRoot, cameraIds);
    window.__faces = new FacePanel(mustGet('faces'), session, () => cameraIds()[0]);
    window.__media = new MediaPanel(mustGet('media'), session);
    window.__analysis = new AnalysisPanel(mustGet('analysis'), session);
    window.__gestures = new GesturePanel(mustGet('gestures'), session, cameraIds);
  },
  (err: unknown) => {
    sessionRoot.textContent = `The wallet session panel failed to load: ${String(err)}`;
    console.error('[session] panel failed to load', err);
  },
);
