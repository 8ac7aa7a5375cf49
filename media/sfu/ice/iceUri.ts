import { isIP } from 'node:net';

/** A STUN or TURN server URI taken apart (RFC 7064 §3.1, RFC 7065 §3.1). */
export interface IceUri {
  scheme: 'stun' | 'stuns' | 'turn' | 'turns';
  /** Host name, IPv4 address, or IPv6 address without brackets. */
  host: string;
  /** Port: as written, else 3478 (stun, turn) or 5349 (stuns, turns). */
  port: number;
  /** `?transport=` of a TURN URI (RFC 7065 §3.1), undefined when absent. */
  transport: 'udp' | 'tcp' | undefined;
}

// RFC 3986 §3.2.2 host forms that RFC 7064/7065 allow: IP-literal in brackets, IPv4, reg-name.
const URI =
  /^(stuns?|turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/;

/**
 * Parses `stun:host[:port]`, `stuns:…`, `turn:host[:port][?transport=udp|tcp]`, `turns:…`.
 * No `//` authority, user info, path or other query (the URI grammars of RFC 7064 §3.1 and
 * RFC 7065 §3.1); `?transport` only on TURN URIs.
 * @returns the parts, or undefined when `uri` is not such a URI (the reason in {@link iceUriProblem})
 */
export function parseIceUri(uri: string): IceUri | undefined {
  return iceUriProblem(uri) === undefined ? parse(uri) : undefined;
}

/** Why `uri` is not a STUN/TURN URI (a message for config errors), or undefined when it is one. */
export function iceUriProblem(uri: string): string | undefined {
  if (uri.includes('//')) return 'STUN/TURN URIs have no "//" (e.g. turn:turn.example.org:3478, RFC 7065)';
  const m = URI.exec(uri);
  if (!m)
    return 'expected stun:host[:port], stuns:…, turn:host[:port][?transport=udp|tcp] or turns:… (RFC 7064, RFC 7065)';
  const [, scheme, host, port, transport] = m;
  if (transport !== undefined && scheme!.startsWith('stun')) return '?transport is for turn: and turns: URIs only';
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range`;
  if (host!.startsWith('[') && isIP(host!.slice(1, -1)) !== 6) return `${host} is not an IPv6 address`;
  return undefined;
}

function parse(uri: string): IceUri {
  const [, scheme, rawHost, port, transport] = URI.exec(uri)! as unknown as [
    string,
    IceUri['scheme'],
    string,
    string | undefined,
    IceUri['transport'],
  ];
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const secure = scheme === 'stuns' || scheme === 'turns';
  return { scheme, host, port: port !== undefined ? Number(port) : secure ? 5349 : 3478, transport };
}
