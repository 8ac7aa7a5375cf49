/** What a redacted stream key (or any registered secret) is replaced with. */
export const REDACTED = '***';

/** The parts of an `rtmp://` / `rtmps://` publish URL. */
export interface RtmpUrlParts {
  /** `rtmp` or `rtmps`, lower case. */
  scheme: string;
  /** `host` or `host:port` as written (user info left out). */
  host: string;
  /** The application name: the first path segment (may be empty). */
  app: string;
  /**
   * The stream key: the path after the application name plus any query (nginx-rtmp and
   * Livepeer style, `rtmp://host/app/key`); empty when the URL has none.
   */
  key: string;
  /** `user:password` before the host, when there is one. */
  userInfo: string;
}

const RTMP_URL = /^(rtmps?):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?/i;

/**
 * Splits an RTMP URL into scheme, host, application and stream key.
 * @returns undefined when `url` is not an `rtmp://` or `rtmps://` URL with a host.
 */
export function parseRtmpUrl(url: string): RtmpUrlParts | undefined {
  const match = RTMP_URL.exec(url.trim());
  if (!match) return undefined;
  const authority = match[2] ?? '';
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (host === '') return undefined;
  const segments = (match[3] ?? '').replace(/^\//, '').split('/');
  const app = segments[0] ?? '';
  const key = segments.slice(1).join('/') + (match[4] ?? '');
  return {
    scheme: match[1]!.toLowerCase(),
    host,
    app,
    key,
    userInfo: at >= 0 ? authority.slice(0, at) : '',
  };
}

/**
 * The URL as it may be shown: `rtmp://host[:port]/app/***` (user info and the stream key left
 * out). Text that is not an RTMP URL is replaced by `***` whole.
 */
export function maskRtmpUrl(url: string): string {
  const parts = parseRtmpUrl(url);
  if (!parts) return REDACTED;
  return `${parts.scheme}://${parts.host}/${parts.app}${parts.key === '' ? '' : `/${REDACTED}`}`;
}

/**
 * Removes RTMP stream keys (and any other registered secret) from text before it is logged or
 * returned: log messages, camerad's stderr lines, GStreamer error messages (which quote the
 * URL), API responses and events.
 *
 * A registered URL is replaced by its masked form (`rtmp://host:port/app/***`, see
 * {@link maskRtmpUrl}); any remaining occurrence of the key, of the key's path or query alone,
 * or of the password in the URL's user info is replaced by `***`. Every needle is also matched in
 * its URL-encoded forms (`encodeURIComponent`, `encodeURI`, upper- and lower-case hex) and its
 * JSON-escaped form. Longer needles are replaced first, so the URL wins over the key it contains.
 *
 * Secrets are matched exactly (case-sensitive); a secret of any length is redacted, so a very
 * short key also blanks unrelated text (the configuration asks for keys of 8 characters or more).
 * `redact` is a bound function: it can be handed around as `redactor.redact`.
 */
export class StreamKeyRedactor {
  /** needle → replacement. */
  readonly #needles = new Map<string, string>();
  #pattern: RegExp | undefined;

  /**
   * Registers a secret (a stream key, a password): every occurrence becomes `***`.
   * Empty strings are ignored.
   */
  addSecret(secret: string): void {
    if (secret === '') return;
    this.#add(secret, REDACTED);
  }

  /**
   * Registers a publish URL: the URL becomes its masked form, its stream key and user-info
   * password become `***` wherever they appear alone. A string that is not an RTMP URL is
   * registered as a secret whole.
   */
  addUrl(url: string): void {
    const parts = parseRtmpUrl(url);
    if (!parts) {
      this.addSecret(url);
      return;
    }
    const masked = maskRtmpUrl(url);
    for (const form of new Set([url, url.trim()])) if (form !== '') this.#add(form, masked);
    if (parts.key !== '') {
      this.addSecret(parts.key);
      const query = parts.key.indexOf('?');
      if (query >= 0) {
        this.addSecret(parts.key.slice(0, query));
        this.addSecret(parts.key.slice(query + 1));
      }
    }
    const password = parts.userInfo.includes(':') ? parts.userInfo.slice(parts.userInfo.indexOf(':') + 1) : '';
    if (password !== '') this.addSecret(password);
  }

  /** True when at least one secret is registered. */
  get active(): boolean {
    return this.#needles.size > 0;
  }

  /** `text` with every registered URL masked and every secret replaced by `***`. */
  readonly redact = (text: string): string => {
    if (this.#pattern === undefined || text === '') return text;
    this.#pattern.lastIndex = 0;
    return text.replace(this.#pattern, (found) => this.#needles.get(found) ?? REDACTED);
  };

  /** Adds the needle in all its encoded forms (the first registration of a form wins). */
  #add(needle: string, replacement: string): void {
    for (const form of encodedForms(needle)) {
      if (form !== '' && !this.#needles.has(form)) this.#needles.set(form, replacement);
    }
    const sorted = [...this.#needles.keys()].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }
}

/** The forms under which a secret may appear in text: raw, URL-encoded, JSON-escaped. */
function encodedForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1)];
  for (const encode of [encodeURIComponent, encodeURI]) {
    let encoded: string;
    try {
      encoded = encode(value);
    } catch {
      continue; // lone surrogates cannot be encoded, and so cannot appear encoded either
    }
    forms.push(
      encoded,
      encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    );
  }
  return [...new Set(forms)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
