/** What a masked credential is replaced with (the same as camerad's `UrlRedactor::kMask`). */
export const MASK = '***';

/** Query parameter names whose values are treated as secrets (substring, case-insensitive). */
const SECRET_PARAMETER = /pass|pwd|token|key|secret|auth|sig|cred/i;

/** Where the parts of `scheme://[userinfo@]host[/path][?query][#fragment]` are. */
interface UriParts {
  /** `[start, end)` of the user info (before the last `@` of the authority). */
  user?: [number, number];
  /** `[start, end)` of the query (after `?`, up to `#` or the end). */
  query?: [number, number];
}

function splitUri(uri: string): UriParts | undefined {
  const sep = uri.indexOf('://');
  if (sep <= 0) return undefined;
  const authority = sep + 3;
  let end = uri.slice(authority).search(/[/?#]/);
  end = end < 0 ? uri.length : authority + end;
  const parts: UriParts = {};
  const at = uri.lastIndexOf('@', end - 1);
  if (at >= authority && at < end) parts.user = [authority, at];
  const q = uri.indexOf('?', end);
  const hash = uri.indexOf('#', end);
  if (q >= 0 && (hash < 0 || q < hash)) parts.query = [q + 1, hash < 0 ? uri.length : hash];
  return parts;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape: as written
  }
}

function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETER.test(percentDecode(name));
}

/**
 * A camera source URI as it may be shown (status, logs, events): the password of its user info
 * becomes `***` (`rtsp://user:***@host/...`; user info without a password, often a token, is
 * masked whole: `rtsp://***@host/...`), and so does the value of every query parameter whose name
 * contains pass, pwd, token, key, secret, auth, sig or cred (case-insensitive). Anything else,
 * including text that is not a URI, is returned unchanged.
 *
 * The one masking function for source URIs on the Node side; camerad's
 * `UrlRedactor::maskCredentials` (native/src/UrlRedactor.cpp) applies the same rules, so both
 * sides show the same text.
 */
export function maskSourceUrl(uri: string): string {
  const parts = splitUri(uri);
  if (!parts) return uri;
  let out = '';
  let copied = 0;
  if (parts.user) {
    const [start, end] = parts.user;
    const info = uri.slice(start, end);
    const colon = info.indexOf(':');
    out += uri.slice(0, start) + (colon < 0 ? MASK : `${info.slice(0, colon + 1)}${MASK}`);
    copied = end;
  }
  if (parts.query) {
    const [start, end] = parts.query;
    out += uri.slice(copied, start);
    out += uri
      .slice(start, end)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq >= 0 && eq + 1 < pair.length && isSecretParameter(pair.slice(0, eq))
          ? `${pair.slice(0, eq + 1)}${MASK}`
          : pair;
      })
      .join('&');
    copied = end;
  }
  return out + uri.slice(copied);
}

/**
 * The secrets {@link maskSourceUrl} hides, in the forms they take in text: as written in the URI,
 * percent-decoded, and the HTTP Basic credentials `base64("user:password")` (RFC 7617) an RTSP
 * client sends. Register each with a redactor (`StreamKeyRedactor.addSecret`) so that a log line
 * or error quoting the URI reads as its masked form. Never the user name alone.
 * @returns an empty list for a URI without credentials.
 */
export function sourceUrlSecrets(uri: string): string[] {
  const parts = splitUri(uri);
  const secrets = new Set<string>();
  const add = (secret: string): void => {
    if (secret !== '') secrets.add(secret);
  };
  if (!parts) return [];
  if (parts.user) {
    const info = uri.slice(...parts.user);
    const colon = info.indexOf(':');
    const user = colon < 0 ? info : info.slice(0, colon);
    const password = colon < 0 ? info : info.slice(colon + 1);
    add(password);
    add(percentDecode(password));
    if (colon >= 0 && password !== '') {
      add(Buffer.from(`${percentDecode(user)}:${percentDecode(password)}`).toString('base64'));
      add(Buffer.from(`${user}:${password}`).toString('base64'));
    }
  }
  if (parts.query) {
    for (const pair of uri.slice(...parts.query).split('&')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || !isSecretParameter(pair.slice(0, eq))) continue;
      add(pair.slice(eq + 1));
      add(percentDecode(pair.slice(eq + 1)));
    }
  }
  return [...secrets];
}
