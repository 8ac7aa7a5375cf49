/** Where Sign-In With Solana messages say they come from: the SIWS `domain` and `uri`. */
export interface SignInSite {
  /** RFC 3986 authority of the page that signs (`host[:port]`), as wallets compare it with the page's origin. */
  domain: string;
  /** RFC 3986 URI of the server (the SIWS `URI:` line). */
  uri: string;
}

/**
 * The SIWS site from configuration, never from a request: `uri` = `server.publicUrl`
 * (normalised by WHATWG URL, so a bare origin gets its trailing `/`); `domain` = `auth.domain`,
 * else the host of `server.publicUrl` (with its port when not the scheme's default). Without
 * `server.publicUrl` the server is loopback only: `domain` = `127.0.0.1:<port>` and `uri` =
 * `http://127.0.0.1:<port>/`, with the HTTP port known only once the server listens, hence a
 * provider read at each challenge.
 * @param opts.publicUrl `server.publicUrl`; opts.domain `auth.domain`; opts.boundPort the
 *   listening HTTP port, undefined before listen.
 * @returns a provider; it throws Error when called before the server listens (no public URL and
 *   no port yet).
 */
export function signInSite(opts: {
  publicUrl: string | undefined;
  domain: string | undefined;
  boundPort: () => number | undefined;
}): () => SignInSite {
  if (opts.publicUrl !== undefined) {
    const url = new URL(opts.publicUrl);
    const site = { domain: opts.domain ?? url.host, uri: url.href };
    return () => site;
  }
  return () => {
    const port = opts.boundPort();
    if (port === undefined || port === 0) throw new Error('the HTTP server is not listening yet');
    const loopback = `127.0.0.1:${port}`;
    return { domain: opts.domain ?? loopback, uri: `http://${loopback}/` };
  };
}
