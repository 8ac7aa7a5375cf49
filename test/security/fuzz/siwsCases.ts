import type { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import fc from 'fast-check';
import { signBytes } from '../../server/chain/chainFixtures.js';
import { invalidBase58Signature } from './encodingCases.js';
import type { BodyCase } from './jsonBodyCases.js';

/**
 * Invalid-by-construction Sign-In With Solana attempts (`POST /api/session/signin`): real
 * outstanding challenges, each sent with a mutated message (signed by the wallet over the
 * mutated text, by another key, or with the original signature) or with a mutated signature.
 * The one valid pair, the challenge's own message signed by its wallet, is never generated.
 */

/** A challenge the server issued for `wallet`, and its message. */
export interface IssuedChallenge {
  wallet: Keypair;
  message: string;
}

/** Mutations of a SIWS message text (EIP-4361-style lines); the result always differs from it. */
function mutatedMessage(message: string): fc.Arbitrary<{ text: string; how: string }> {
  const ls = message.split('\n');
  const lineAt = fc.nat().map((n) => n % ls.length);
  return fc
    .oneof(
      // One character changed, inserted or deleted.
      fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([at, c]) => {
        const i = at % message.length;
        return { text: message.slice(0, i) + c + message.slice(i + 1), how: 'char-replaced' };
      }),
      fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([at, s]) => {
        const i = at % (message.length + 1);
        return { text: message.slice(0, i) + s + message.slice(i), how: 'chars-inserted' };
      }),
      fc.nat().map((at) => {
        const i = at % message.length;
        return { text: message.slice(0, i) + message.slice(i + 1), how: 'char-deleted' };
      }),
      // A whole line dropped, duplicated, or its value replaced (domain, address, nonce, times, …).
      lineAt.map((i) => ({ text: ls.filter((_, j) => j !== i).join('\n'), how: 'line-dropped' })),
      lineAt.map((i) => ({
        text: [...ls.slice(0, i + 1), ls[i]!, ...ls.slice(i + 1)].join('\n'),
        how: 'line-duplicated',
      })),
      fc.tuple(lineAt, fc.stringMatching(/^[A-Za-z0-9.:/ -]{0,40}$/)).map(([i, v]) => {
        const line = ls[i]!;
        const colon = line.indexOf(': ');
        const replaced = colon >= 0 ? `${line.slice(0, colon + 2)}${v}` : v;
        return { text: ls.map((l, j) => (j === i ? replaced : l)).join('\n'), how: 'value-replaced' };
      }),
      fc.constantFrom('evil.example', 'localhost', '127.0.0.1:1').map((domain) => ({
        text: message.replace(/^[^\s]+ wants you to sign in/, `${domain} wants you to sign in`),
        how: 'domain-replaced',
      })),
      fc.integer({ min: 0, max: message.length - 1 }).map((n) => ({ text: message.slice(0, n), how: 'truncated' })),
      fc.constantFrom('\r\n', '\n\n', ' \n').map((eol) => ({ text: message.replaceAll('\n', eol), how: 'line-ends' })),
      fc.constant({ text: message.toUpperCase(), how: 'upper-case' }),
      fc.integer({ min: 4097, max: 6000 }).map((n) => ({ text: message.padEnd(n, 'x'), how: 'too-long' })),
    )
    .filter((m) => m.text !== message);
}

/**
 * Sign-in bodies that must be refused with 400 (or 413 past the parser's limit).
 * @param challenges outstanding challenges (issued before the fuzzing, so the database does not change).
 * @param stranger a keypair that is not the challenges' wallet.
 */
export function siwsCases(challenges: readonly IssuedChallenge[], stranger: Keypair): fc.Arbitrary<BodyCase> {
  const json =
    (how: string) =>
    (body: unknown): BodyCase => ({
      contentType: 'application/json',
      body: JSON.stringify(body),
      violation: `siws:${how}`,
    });
  const challenge = fc.constantFrom(...challenges);
  const sign = (key: Keypair, text: string) => bs58.encode(signBytes(key, Buffer.from(text)));
  return fc.oneof(
    // The message mutated, signed by the wallet itself over the mutated text.
    challenge.chain((c) =>
      mutatedMessage(c.message).map((m) =>
        json(`message-${m.how}`)({ message: m.text, signature: sign(c.wallet, m.text) }),
      ),
    ),
    // The message mutated, with the signature of the original message.
    challenge.chain((c) =>
      mutatedMessage(c.message).map((m) =>
        json(`message-${m.how}-old-signature`)({ message: m.text, signature: sign(c.wallet, c.message) }),
      ),
    ),
    // The original message signed by another key.
    challenge.map((c) => json('signed-by-stranger')({ message: c.message, signature: sign(stranger, c.message) })),
    // The original message with a corrupted signature: flipped bits, bad base58, another length.
    challenge.chain((c) =>
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
        const sig = signBytes(c.wallet, Buffer.from(c.message));
        sig[at % sig.length] = sig[at % sig.length]! ^ x;
        return json('signature-bit-flipped')({ message: c.message, signature: bs58.encode(sig) });
      }),
    ),
    challenge.chain((c) =>
      invalidBase58Signature().map((signature) => json('signature-malformed')({ message: c.message, signature })),
    ),
    // A message of another challenge, signed by its wallet, with this challenge's signature.
    fc
      .tuple(challenge, challenge)
      .filter(([a, b]) => a.message !== b.message)
      .map(([a, b]) =>
        json('signature-of-another-challenge')({ message: a.message, signature: sign(b.wallet, b.message) }),
      ),
  );
}
