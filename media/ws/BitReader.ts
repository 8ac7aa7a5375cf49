/**
 * Reads an H.264 RBSP bit by bit, most significant bit first, with the unsigned and signed
 * Exp-Golomb codes of ITU-T H.264 §9.1 (`ue(v)`, `se(v)`). The emulation prevention bytes
 * (0x000003, §7.4.1) must already be removed ({@link unescapeRbsp}).
 */
export class BitReader {
  readonly #data: Uint8Array;
  #bit = 0;

  constructor(data: Uint8Array) {
    this.#data = data;
  }

  /** Bits left to read. */
  get remaining(): number {
    return this.#data.length * 8 - this.#bit;
  }

  /**
   * Reads `count` bits (at most 32) as an unsigned number.
   * @throws RangeError when the data ends first (a truncated or corrupt SPS).
   */
  bits(count: number): number {
    if (count > this.remaining) throw new RangeError('SPS ends early');
    let value = 0;
    for (let i = 0; i < count; i += 1) {
      const byte = this.#data[this.#bit >> 3]!;
      value = value * 2 + ((byte >> (7 - (this.#bit & 7))) & 1);
      this.#bit += 1;
    }
    return value;
  }

  /** One bit as a boolean (`u(1)` flags). */
  flag(): boolean {
    return this.bits(1) === 1;
  }

  /**
   * `ue(v)`: leading zero bits n, then n bits; value 2^n − 1 + those bits (§9.1).
   * @throws RangeError on more than 31 leading zeros (no valid SPS field is that large).
   */
  ue(): number {
    let zeros = 0;
    while (!this.flag()) {
      zeros += 1;
      if (zeros > 31) throw new RangeError('Exp-Golomb code too long');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** `se(v)`: the `ue(v)` code k mapped to (−1)^(k+1) × ⌈k ÷ 2⌉ (§9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}

/** Removes emulation prevention bytes: every 0x03 that follows two zero bytes (H.264 §7.4.1). */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[n++] = byte;
  }
  return out.subarray(0, n);
}
