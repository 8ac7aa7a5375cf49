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
