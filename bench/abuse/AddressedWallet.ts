import { type Keypair, Transaction } from '@solana/web3.js';
import bs58 from 'bs58';
import { signBytes } from '../../test/server/chain/chainFixtures.js';
import { type RawAnswer, rawHttp } from '../../test/helpers/rawHttp.js';

/**
 * A wallet user of the server whose every request leaves from one local address (any
 * 127.0.0.0/8 address on Linux), so that a bench can tell its traffic apart from a flood's:
 * Sign-In With Solana (challenge, ed25519 signature, sign-in) and an on-chain check-in.
 */
export class AddressedWallet {
  constructor(
    readonly url: string,
    readonly localAddress: string,
    readonly keypair: Keypair,
  ) {}

  /** One JSON request from this wallet's address. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<RawAnswer> {
    return rawHttp(`${this.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      localAddress: this.localAddress,
    });
  }

  /**
   * Challenge → sign → sign-in, timed.
   * @returns the wall time from the challenge request to the sign-in answer, ms; the sign-in
   *   status; the session token when it is 200.
   */
  async signIn(): Promise<{ ms: number; status: number; token: string | undefined }> {
    const t0 = performance.now();
    const challenge = await this.call('POST', '/api/session/challenge', { wallet: this.keypair.publicKey.toBase58() });
    if (challenge.status !== 200) return { ms: performance.now() - t0, status: challenge.status, token: undefined };
    const message = (JSON.parse(challenge.text) as { message: string }).message;
    const signature = bs58.encode(signBytes(this.keypair, Buffer.from(message)));
    const signin = await this.call('POST', '/api/session/signin', { message, signature });
    const ms = performance.now() - t0;
    const token = signin.status === 200 ? (JSON.parse(signin.text) as { token: string }).token : undefined;
    return { ms, status: signin.status, token };
  }

  /**
   * Checks in at the session's camera: the server builds the transaction, this wallet signs it,
   * the server relays it. @throws Error naming the step that was refused.
   */
  async checkIn(token: string): Promise<void> {
    const built = await this.call('POST', '/api/session/checkin/tx', { showName: false }, token);
    if (built.status !== 200) throw new Error(`checkin/tx: ${built.status} ${built.text}`);
    const tx = Transaction.from(Buffer.from((JSON.parse(built.text) as { transaction: string }).transaction, 'base64'));
    tx.partialSign(this.keypair);
    const submitted = await this.call(
      'POST',
      '/api/session/submit',
      { transaction: tx.serialize().toString('base64') },
      token,
    );
    if (submitted.status !== 200) throw new Error(`submit: ${submitted.status} ${submitted.text}`);
  }
}
