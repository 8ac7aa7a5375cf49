import type { IceServer } from '../sfu/ice/IceServer.js';

/** An RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The `Link` header values that hand STUN/TURN servers to a WHEP player (RFC 9725 §4.6, which
 * WHEP follows): one per URI, `<turn:host:3478?transport=udp>; rel="ice-server"` plus, for a
 * server with credentials, `username="…"; credential="…"; credential-type="password"` (the
 * attribute names of W3C `RTCIceServer`; the header syntax of RFC 8288 §3).
 * @returns one string per URI, in the order given (empty for an empty list)
 */
export function iceServerLinks(servers: readonly IceServer[]): string[] {
  const links: string[] = [];
  for (const server of servers) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      let link = `<${url}>; rel="ice-server"`;
      if (server.username !== undefined && server.credential !== undefined) {
        link += `; username=${quoted(server.username)}; credential=${quoted(server.credential)}; credential-type="password"`;
      }
      links.push(link);
    }
  }
  return links;
}

/**
 * Parses `Link` headers back into ICE servers (the inverse of {@link iceServerLinks}), for WHEP
 * clients of this project (tests, benches). Links whose rel is not `ice-server` are skipped.
 * @param header the `Link` header value(s), comma-joined as fetch returns them
 */
export function parseIceServerLinks(header: string | null): IceServer[] {
  if (!header) return [];
  const out: IceServer[] = [];
  // <uri> followed by ;-separated params, links separated by commas outside quotes
  const re = /<([^>]*)>((?:\s*;\s*[A-Za-z-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))*)/g;
  for (const m of header.matchAll(re)) {
    const params = new Map<string, string>();
    for (const p of m[2]!.matchAll(/;\s*([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,]*)/g)) {
      const raw = p[2]!.trim();
      params.set(p[1]!.toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
    }
    if (params.get('rel') !== 'ice-server') continue;
    const server: IceServer = { urls: m[1]! };
    if (params.has('username')) server.username = params.get('username')!;
    if (params.has('credential')) server.credential = params.get('credential')!;
    out.push(server);
  }
  return out;
}
