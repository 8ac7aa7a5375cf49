import { randomBytes } from 'node:crypto';
import { JanusError } from './JanusError.js';

/** A Janus JSON reply: `janus` is `success`, `ack`, `error`, `event`, `server_info`. */
export interface JanusReply {
  janus: string;
  data?: Record<string, unknown>;
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
}

/**
 * POSTs one Janus request (JSON, https://janus.conf.meetecho.com/docs/rest.html) with a fresh
 * transaction id and returns the reply.
 * @param url the API or Admin API URL (with `/<session>/<handle>` where needed).
 * @param body the request; `transaction` is added.
 * @param timeoutMs longest wait, ms.
 * @throws JanusError code 0 on a transport failure, Janus's code on a `janus: "error"` reply, or
 *   the Streaming plugin's `error_code` when its reply carries one.
 */
export async function janusPost(url: string, body: Record<string, unknown>, timeoutMs: number): Promise<JanusReply> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, transaction: randomBytes(8).toString('hex') }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new JanusError(`${new URL(url).origin}: ${cause ?? (error as Error).message}`, 0);
  }
  if (!res.ok) throw new JanusError(`${new URL(url).origin}: HTTP ${res.status}`, 0);
  const reply = (await res
    .json()
    .catch(() => ({ janus: 'error', error: { code: 0, reason: 'not JSON' } }))) as JanusReply;
  if (reply.janus === 'error') {
    throw new JanusError(`Janus ${String(body.janus)}: ${reply.error?.reason ?? 'error'}`, reply.error?.code ?? 0);
  }
  const data = reply.plugindata?.data;
  if (data && typeof data.error_code === 'number') {
    throw new JanusError(`Janus plugin: ${String(data.error)}`, data.error_code);
  }
  return reply;
}
