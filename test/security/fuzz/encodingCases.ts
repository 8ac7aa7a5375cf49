import bs58 from 'bs58';
import fc from 'fast-check';

/**
 * Invalid-by-construction base58 and base64 fields: wallet addresses (base58 of a 32-byte
 * ed25519 public key), signatures (base58 of 64 bytes) and wire transactions (base64). Each
 * generator filters its output through the definition of a valid value, so no valid one slips in.
 */

/** Characters outside the Bitcoin base58 alphabet (0, O, I, l are left out of it on purpose). */
const NOT_BASE58 = ['0', 'O', 'I', 'l', '+', '/', '=', ' ', '-', '_', '.', 'é', '\u0000', '\n', '😀'];

/** Characters outside the base64 alphabet (RFC 4648 §4), padding misplaced included. */
const NOT_BASE64 = ['!', '*', '.', ' ', '\n', 'é', '-', '_', '=', '%', '\u0000'];

/** Bytes a base58 string decodes to, or undefined when it is not base58. */
function base58Bytes(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return bs58.decode(value).length;
  } catch {
    return undefined;
  }
}

/** A base58 string of `n` random bytes, n in [min, max]. */
const base58OfBytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((bytes) => bs58.encode(bytes));

/** `text` with one character replaced or inserted by one of `chars`. */
const corrupt = (text: fc.Arbitrary<string>, chars: readonly string[]) =>
  fc.tuple(text, fc.nat(), fc.constantFrom(...chars), fc.boolean()).map(([t, at, c, insert]) => {
    const i = t.length === 0 ? 0 : at % t.length;
    return t.slice(0, i) + c + t.slice(insert ? i : i + 1);
  });

/** A valid wallet address (32 random bytes, base58). */
export function validBase58Address(): fc.Arbitrary<string> {
  return base58OfBytes(32, 32);
}

/** Strings that are not a wallet address: bad characters, another byte length, truncated, padded. */
export function invalidBase58Address(): fc.Arbitrary<string> {
  return fc
    .oneof(
      corrupt(validBase58Address(), NOT_BASE58),
      fc.oneof(base58OfBytes(0, 31), base58OfBytes(33, 64)),
      validBase58Address().chain((a) => fc.integer({ min: 1, max: a.length - 1 }).map((n) => a.slice(0, n))),
      validBase58Address().map((a) => `${a}${a.slice(0, 4)}`),
      validBase58Address().map((a) => ` ${a}`),
      fc.string({ maxLength: 60 }),
    )
    .filter((v) => base58Bytes(v) !== 32);
}

/** Strings that are not a 64-byte base58 signature. */
export function invalidBase58Signature(): fc.Arbitrary<string> {
  return fc
    .oneof(
      corrupt(base58OfBytes(64, 64), NOT_BASE58),
      fc.oneof(base58OfBytes(1, 63), base58OfBytes(65, 100)),
      base58OfBytes(64, 64).chain((s) => fc.integer({ min: 1, max: s.length - 1 }).map((n) => s.slice(0, n))),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('hex')),
    )
    .filter((v) => base58Bytes(v) !== 64);
}

/**
 * Strings that are not a transaction this server could accept: characters outside base64,
 * random bytes, truncated or corrupted copies of `real` (a base64 wire transaction) when given.
 */
export function invalidBase64Transaction(real?: string): fc.Arbitrary<string> {
  const randomBytes = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((b) => Buffer.from(b).toString('base64'));
  const arbitraries: fc.Arbitrary<string>[] = [
    corrupt(
      randomBytes.filter((s) => s.length > 0),
      NOT_BASE64,
    ),
    randomBytes.filter((s) => s.length > 0),
    fc.string({ minLength: 1, maxLength: 80 }),
  ];
  if (real) {
    arbitraries.push(
      fc.integer({ min: 1, max: real.length - 1 }).map((n) => real.slice(0, n)),
      corrupt(fc.constant(real), NOT_BASE64),
      // Still base64 and the right length, one byte changed: the message no longer matches.
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
        const bytes = Buffer.from(real, 'base64');
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ x;
        return bytes.toString('base64');
      }),
    );
  }
  return fc.oneof(...arbitraries).filter((v) => v !== real);
}
