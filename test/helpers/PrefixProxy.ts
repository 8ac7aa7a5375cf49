import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';

/**
 * TEST-ONLY reverse proxy on 127.0.0.1 that serves a server under a path prefix and strips it,
 * as nginx `location /cam/ { proxy_pass http://box/; }` does: `/cam/x` → `<target>/x`, HTTP and
 * WebSocket upgrades alike. A request outside the prefix is
 * answered 404 and recorded in `outside`, so a test can show that a page builds every URL
 * relative to itself. The `Host` header passes unchanged (nginx `proxy_set_header Host $host`), so
 * the server sees the page's own origin as same-origin. `close()` is idempotent.
 */
export class PrefixProxy {
  /** Paths requested outside the prefix (each answered 404). */
  readonly outside: string[] = [];
  /** Paths forwarded (after stripping). */
  readonly forwarded: string[] = [];
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly http: Server,
    private readonly target: URL,
    /** The prefix, with leading and trailing `/`, e.g. `/cam/`. */
    readonly prefix: string,
  ) {}

  /**
   * @param target the server's origin, e.g. `http://127.0.0.1:8080`.
   * @param prefix e.g. `/cam/`.
   */
  static async start(target: string, prefix: string): Promise<PrefixProxy> {
    const http = createServer();
    const proxy = new PrefixProxy(http, new URL(target), prefix);
    http.on('request', (req, res) => {
      const path = proxy.strip(req);
      if (path === null) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('outside the prefix');
        return;
      }
      const upstream = request(
        {
          host: proxy.target.hostname,
          port: proxy.target.port,
          method: req.method,
          path,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const path = proxy.strip(req);
      if (path === null) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      const up = connect(Number(proxy.target.port), proxy.target.hostname, () => {
        const lines = [`${req.method} ${path} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        up.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      proxy.track(up);
      proxy.track(socket);
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    http.on('connection', (s) => proxy.track(s));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** `http://127.0.0.1:<port><prefix>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}${this.prefix}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  /** The path without the prefix (`/cam/x?y` → `/x?y`), or null (recorded) when outside it. */
  private strip(req: IncomingMessage): string | null {
    const url = req.url ?? '/';
    if (!url.startsWith(this.prefix)) {
      this.outside.push(url);
      return null;
    }
    const path = `/${url.slice(this.prefix.length)}`;
    this.forwarded.push(path);
    return path;
  }
}
