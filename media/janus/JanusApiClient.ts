import { JanusError } from './JanusError.js';
import { janusPost } from './janusHttp.js';

/**
 * One session of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest.html) with one
 * handle on the Streaming plugin, as the server uses it to manage mountpoints: `create` and
 * `attach`, synchronous plugin requests (`create`, `destroy`, `info`, `list` of mountpoints) and
 * the session keepalive Janus needs within its `session_timeout` (60 s by default). Every
 * request carries the server's own token (`token_auth`).
 */
export class JanusApiClient {
  readonly #url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  #session: number | undefined;
  #handle: number | undefined;

  /**
   * @param url the HTTP API, e.g. `http://10.0.0.5:8088/janus`.
   * @param token a token Janus accepts (added through the Admin API).
   * @param timeoutMs longest wait per request, ms.
   */
  constructor(url: string, token: string, timeoutMs: number) {
    this.#url = url.replace(/\/+$/, '');
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** True between a successful {@link open} and {@link close}. */
  get isOpen(): boolean {
    return this.#handle !== undefined;
  }

  /**
   * Creates the session and attaches `janus.plugin.streaming`.
   * @throws JanusError when Janus is unreachable or refuses the token (403).
   */
  async open(): Promise<void> {
    const created = await this.#post(this.#url, { janus: 'create' });
    const session = Number(created.data?.id);
    const attached = await this.#post(`${this.#url}/${session}`, {
      janus: 'attach',
      plugin: 'janus.plugin.streaming',
    });
    this.#session = session;
    this.#handle = Number(attached.data?.id);
  }

  /**
   * A synchronous Streaming plugin request (`create`, `destroy`, `info`, `list`, `edit`).
   * @returns the plugin's reply data, e.g. `{ streaming: 'created', stream: {…} }`.
   * @throws JanusError (458 after a Janus restart; the plugin's code, e.g. 455 no such mountpoint).
   */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#handle === undefined) throw new JanusError('no Janus session', 458);
    const reply = await this.#post(`${this.#url}/${this.#session}/${this.#handle}`, { janus: 'message', body });
    return reply.plugindata?.data ?? {};
  }

  /**
   * Keeps the session alive.
   * @throws JanusError 458 when Janus no longer knows the session (it restarted), code 0 when unreachable.
   */
  async keepalive(): Promise<void> {
    if (this.#session === undefined) throw new JanusError('no Janus session', 458);
    await this.#post(`${this.#url}/${this.#session}`, { janus: 'keepalive' });
  }

  /** Destroys the session when Janus is reachable (best effort). Idempotent. */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = this.#handle = undefined;
    if (session === undefined) return;
    await this.#post(`${this.#url}/${session}`, { janus: 'destroy' }).catch(() => undefined);
  }

  #post(url: string, body: Record<string, unknown>) {
    return janusPost(url, { ...body, token: this.#token }, this.#timeoutMs);
  }
}
