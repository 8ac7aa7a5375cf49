/**
 * Canonical JSON after RFC 8785 (JSON Canonicalization Scheme) for the values it accepts: object
 * keys sorted by UTF-16 code units (§3.2.3), no whitespace, strings and numbers serialised as
 * ECMAScript `JSON.stringify` does (§3.2.2). Accepts `null`, booleans, finite numbers, strings,
 * arrays and plain objects only.
 * @throws TypeError naming the path of a value it does not accept (`undefined`, a non-finite
 *   number, a bigint, a function, a `Buffer`/typed array, a class instance).
 */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw new TypeError(`${path} is binary data, which canonical JSON does not hold`);
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path} is not a plain object`);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`${path} is ${typeof value}, which JSON does not hold`);
  }
}
