import { janusPost } from './janusHttp.js';

/**
 * Janus's Admin API (https://janus.conf.meetecho.com/docs/auth.html, "Stored token based
 * authentication"): adds and removes the tokens Janus accepts when it runs with `token_auth`.
 * Every request carries `admin_secret`, which this class keeps and never logs or returns.
 */
export class JanusAdminClient {
  readonly #url: string;
  readonly #secret: string | undefined;
  readonly #timeoutMs: number;

  /**
   * @param url the Admin API, e.g. `http://10.0.0.5:7088/admin`.
   * @param secret Janus's `admin_secret` (undefined when Janus has none).
   * @param timeoutMs longest wait per request, ms.
   */
  constructor(url: string, secret: string | undefined, timeoutMs: number) {
    this.#url = url;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Lets `token` use the Streaming plugin (`add_token` with `plugins: ["janus.plugin.streaming"]`).
   * Adding a token Janus already has succeeds.
   * @throws JanusError when Janus is unreachable or refuses (403: wrong admin secret).
   */
  async addToken(token: string): Promise<void> {
    await this.#post({ janus: 'add_token', token, plugins: ['janus.plugin.streaming'] });
  }

  /**
   * Removes `token` (`remove_token`); sessions it already opened stay.
   * @throws JanusError when Janus is unreachable or refuses (490: no such token).
   */
  async removeToken(token: string): Promise<void> {
    await this.#post({ janus: 'remove_token', token });
  }

  async #post(body: Record<string, unknown>): Promise<void> {
    await janusPost(
      this.#url,
      { ...body, ...(this.#secret !== undefined ? { admin_secret: this.#secret } : {}) },
      this.#timeoutMs,
    );
  }
}
