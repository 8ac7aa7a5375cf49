import assert from 'node:assert/strict';
import { Transaction, type Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { io, type Socket } from 'socket.io-client';
import type { ServerToClientEvents } from '../../server/events/EventCatalogue.js';
import { signBytes } from '../server/chain/chainFixtures.js';

/** An HTTP answer: status and parsed JSON body. */
export interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/**
 * A wallet user of the real server, as a page would be: HTTP calls, Sign-In With Solana with a
 * keypair (signed with node:crypto), server-built check-in/check-out transactions signed and
 * submitted, socket.io connections. Sockets opened here are closed by `close()`.
 */
export class WalletFlow {
  readonly #sockets: Socket[] = [];

  constructor(readonly url: string) {}

  /** One JSON request (a Buffer body is sent as-is with the given content type). */
  async call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    contentType = 'application/json',
  ): Promise<Answer> {
    const raw = Buffer.isBuffer(body) || typeof body === 'string';
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': contentType }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** Challenge → sign → sign-in. @returns the session token and session. */
  async signIn(keypair: Keypair): Promise<{ token: string; session: Record<string, unknown> }> {
    const challenge = await this.call('POST', '/api/session/challenge', { wallet: keypair.publicKey.toBase58() });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    const message = challenge.json.message as string;
    const signature = bs58.encode(signBytes(keypair, Buffer.from(message)));
    const res = await this.call('POST', '/api/session/signin', { message, signature });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return { token: res.json.token as string, session: res.json.session as Record<string, unknown> };
  }

  /** Builds the check-in/out transaction on the server, signs it as `signer`, submits it. */
  async signAndSubmit(kind: 'checkin' | 'checkout', token: string, body: unknown, signer: Keypair): Promise<Answer> {
    const built = await this.call('POST', `/api/session/${kind}/tx`, body, token);
    assert.equal(built.status, 200, JSON.stringify(built.json));
    const tx = Transaction.from(Buffer.from(built.json.transaction as string, 'base64'));
    tx.partialSign(signer);
    return this.call('POST', '/api/session/submit', { transaction: tx.serialize().toString('base64') }, token);
  }

  /** A socket.io client, connected. */
  connect(auth: Record<string, string>): Promise<Socket<ServerToClientEvents>> {
    return new Promise((resolve, reject) => {
      const socket: Socket<ServerToClientEvents> = io(this.url, {
        auth,
        transports: ['websocket'],
        reconnection: false,
      });
      this.#sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  close(): void {
    for (const s of this.#sockets.splice(0)) s.disconnect();
  }
}

/** Resolves when `condition` holds, polling every 50 ms. @throws after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
