/**
 * URLs relative to the page, so the page works under a path prefix (`https://name/cam/` through a
 * proxy that strips `/cam`): every request the page makes is relative to the page's base URL
 * (`api/status`, not `/api/status`).
 */

/**
 * The socket.io `path` option for a server at `base` (default: the page's base URL): `/socket.io`
 * under the base's path, e.g. `/cam/socket.io` for `https://name/cam/`.
 */
export function socketIoPath(base: string = document.baseURI): string {
  return new URL('socket.io', base).pathname;
}
