import fc from 'fast-check';
import {
  invalidBase58Address,
  invalidBase58Signature,
  invalidBase64Transaction,
  validBase58Address,
} from './encodingCases.js';

/**
 * Invalid-by-construction JSON request bodies, derived from an operation's OpenAPI request-body
 * schema (the subset the server's documents use: `type`, `properties`, `required`,
 * `additionalProperties`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `format`,
 * `pattern`, `description`, `default`; the bodies are generated from the routers' zod schemas). Every case breaks at least one thing the schema (or the body
 * parser's 64 KiB limit) forbids, so a server that validates answers 400/413/415.
 */

/** One request body to send and what makes it invalid. */
export interface BodyCase {
  /** `Content-Type` header (never one the operation accepts when `violation` is `content-type`). */
  contentType: string;
  /** Raw body text. */
  body: string;
  /** What was broken, e.g. `wrong-type:threshold`, `unknown-key`, `malformed-json`. */
  violation: string;
}

/** A JSON Schema node as the OpenAPI document writes it. */
export type SchemaNode = Record<string, unknown>;

/** Schema keywords this generator understands; any other makes {@link bodyCases} refuse the route. */
const KNOWN_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'format',
  'pattern',
  'description',
  'default',
]);

/** The body parser's JSON limit (server/http/createHttpApp.ts `jsonLimit: '64kb'`), bytes. */
export const JSON_LIMIT_BYTES = 64 * 1024;

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

/** A value of one JSON type (integers are numbers; a fraction is a number but not an integer). */
function valueOfType(type: JsonType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return fc.oneof(fc.string({ maxLength: 24 }), fc.constantFrom('', 'true', '1', 'null', '[]', '{}'));
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, -1.5, 1e300));
    case 'integer':
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53));
    case 'boolean':
      return fc.boolean();
    case 'object':
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    case 'array':
      return fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 });
    case 'null':
      return fc.constant(null);
  }
}

function typesOf(node: SchemaNode): JsonType[] | undefined {
  const t = node.type;
  if (t === undefined) return undefined;
  return (Array.isArray(t) ? t : [t]) as JsonType[];
}

/** True when a description says the string is base58 / base64 (the documents say so in words). */
const isBase58Address = (node: SchemaNode) => /base58 Solana address/i.test(String(node.description ?? ''));
const isBase58Signature = (node: SchemaNode) => /base58 ed25519 signature/i.test(String(node.description ?? ''));
const isBase64 = (node: SchemaNode) => /base64/i.test(String(node.description ?? ''));

/** A value that satisfies a property's schema (used to fill the properties a case does not break). */
function validValue(node: SchemaNode): fc.Arbitrary<unknown> {
  if (Array.isArray(node.enum)) return fc.constantFrom(...(node.enum as unknown[]));
  if ('const' in node) return fc.constant(node.const);
  const types = typesOf(node) ?? ['string'];
  const type = types[0]!;
  if (type === 'string') {
    if (isBase58Address(node)) return validBase58Address();
    if (node.format === 'uuid') return fc.uuid();
    if (typeof node.pattern === 'string') return fc.stringMatching(new RegExp(node.pattern));
    const min = typeof node.minLength === 'number' ? node.minLength : 0;
    const max = typeof node.maxLength === 'number' ? node.maxLength : Math.max(min, 24);
    return fc.string({ minLength: min, maxLength: Math.min(max, min + 24) });
  }
  if (type === 'number' || type === 'integer') {
    const min = typeof node.minimum === 'number' ? node.minimum : -1000;
    const max = typeof node.maximum === 'number' ? node.maximum : 1000;
    return type === 'integer'
      ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
      : fc.double({ min, max, noNaN: true });
  }
  return valueOfType(type);
}

/** Values that break one property's schema, with the name of what they break; empty when nothing can. */
function invalidValues(name: string, node: SchemaNode): { violation: string; value: fc.Arbitrary<unknown> }[] {
  const out: { violation: string; value: fc.Arbitrary<unknown> }[] = [];
  const types = typesOf(node);
  if (types) {
    // integer accepts whole numbers only: a number type that is not an integer type is a wrong type for it.
    const allowed = new Set<JsonType>(types);
    if (allowed.has('number')) allowed.add('integer');
    const wrong = JSON_TYPES.filter((t) => !allowed.has(t));
    if (wrong.length > 0) {
      out.push({ violation: `wrong-type:${name}`, value: fc.constantFrom(...wrong).chain(valueOfType) });
    }
    if (types.includes('integer') && !types.includes('number')) {
      out.push({ violation: `fraction:${name}`, value: fc.double({ noNaN: true, noInteger: true }) });
    }
  }
  if (Array.isArray(node.enum)) {
    const allowed = node.enum as unknown[];
    out.push({
      violation: `enum:${name}`,
      value: fc.string({ maxLength: 16 }).filter((s) => !allowed.includes(s)),
    });
  }
  if (typeof node.minimum === 'number') {
    const min = node.minimum;
    out.push({
      violation: `below-minimum:${name}`,
      // Strictly below: -0 is not below 0.
      value: fc
        .oneof(
          fc.double({ max: min, maxExcluded: true, noNaN: true, noDefaultInfinity: true }),
          fc.constant(min - 1e-9),
        )
        .filter((v) => v < min),
    });
  }
  if (typeof node.maximum === 'number') {
    const max = node.maximum;
    out.push({
      violation: `above-maximum:${name}`,
      value: fc
        .oneof(
          fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true }),
          fc.constant(max + 1e-9),
        )
        .filter((v) => v > max),
    });
  }
  if (typeof node.maxLength === 'number') {
    const max = node.maxLength;
    out.push({ violation: `too-long:${name}`, value: fc.string({ minLength: max + 1, maxLength: max + 64 }) });
  }
  if (typeof node.minLength === 'number' && node.minLength > 0) {
    out.push({ violation: `too-short:${name}`, value: fc.string({ maxLength: node.minLength - 1 }) });
  }
  if (node.format === 'uuid') {
    out.push({
      violation: `not-uuid:${name}`,
      value: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.uuid().map((u) => u.slice(0, -1)),
        fc.uuid().map((u) => u.replaceAll('-', '')),
        fc.uuid().map((u) => `${u}0`),
        fc.uuid().map((u) => u.replace(/[0-9a-f]/, 'g')),
      ),
    });
  }
  // zod writes its own pattern beside `format: uuid`; the not-uuid case above breaks both.
  if (typeof node.pattern === 'string' && node.format !== 'uuid') {
    const pattern = new RegExp(node.pattern);
    out.push({
      violation: `pattern:${name}`,
      value: fc.string({ maxLength: 40 }).filter((v) => !pattern.test(v)),
    });
  }
  if (isBase58Address(node)) out.push({ violation: `bad-base58-address:${name}`, value: invalidBase58Address() });
  if (isBase58Signature(node)) out.push({ violation: `bad-base58-signature:${name}`, value: invalidBase58Signature() });
  if (isBase64(node)) out.push({ violation: `bad-base64:${name}`, value: invalidBase64Transaction() });
  return out;
}

/** Why {@link bodyCases} cannot fuzz a schema: unknown keywords, or nothing a case could break. */
export class NoStrategyError extends Error {
  override name = 'NoStrategyError';
}

/**
 * Invalid-by-construction bodies for one operation's JSON request body.
 * @param schema the `application/json` schema of the request body.
 * @param accepted every content type the operation accepts (a wrong one is chosen outside them).
 * @param extra more schema-specific value strategies by property name (e.g. a base64 transaction
 *   truncated from a real one), merged with those the schema gives.
 * @throws NoStrategyError when the schema uses a keyword this generator does not know, is not an
 *   object, or has nothing a case could break (no `additionalProperties: false`, no constrained
 *   property): the fuzz suite then fails naming the route, so that a strategy is written for it.
 */
export function bodyCases(
  schema: SchemaNode,
  accepted: readonly string[],
  extra: Record<string, fc.Arbitrary<unknown>> = {},
): { cases: fc.Arbitrary<BodyCase>; strategies: string[] } {
  const unknown = (node: SchemaNode, where: string): string[] =>
    Object.keys(node)
      .filter((k) => !KNOWN_KEYWORDS.has(k))
      .map((k) => `${where}.${k}`);
  const problems = unknown(schema, 'body');
  if (schema.type !== 'object') problems.push('body is not `type: object`');
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, node] of Object.entries(properties)) problems.push(...unknown(node, name));
  if (problems.length > 0) throw new NoStrategyError(`schema keywords without a strategy: ${problems.join(', ')}`);

  const required = (schema.required ?? []) as string[];
  const names = Object.keys(properties);
  // A base that satisfies the schema; each case then breaks one or more things in it.
  const base: fc.Arbitrary<Record<string, unknown>> = fc.record(
    Object.fromEntries(names.map((n) => [n, validValue(properties[n]!)])),
    { requiredKeys: required },
  );
  const strategies: string[] = [];
  const schemaSpecific: fc.Arbitrary<BodyCase>[] = [];
  const json =
    (violation: string) =>
    (body: unknown): BodyCase => ({
      contentType: 'application/json',
      body: JSON.stringify(body),
      violation,
    });

  if (schema.additionalProperties === false) {
    strategies.push('unknown-key');
    const unknownKey = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', ' ', names[0] ? `${names[0]} ` : 'x'),
    );
    schemaSpecific.push(
      fc
        .tuple(
          base,
          unknownKey.filter((k) => !names.includes(k)),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([b, key, value]) => ({
          contentType: 'application/json',
          // Written by hand so that a key such as `__proto__` is an own key of the parsed body.
          body: `{${[...Object.entries(b).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`), `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`].join(',')}}`,
          violation: 'unknown-key',
        })),
    );
  }
  for (const name of required) {
    strategies.push(`missing:${name}`);
    schemaSpecific.push(
      base.map((b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== name))).map(json(`missing:${name}`)),
    );
  }
  for (const name of names) {
    const values = invalidValues(name, properties[name]!);
    if (extra[name]) values.push({ violation: `semantic:${name}`, value: extra[name]! });
    for (const { violation, value } of values) {
      strategies.push(violation);
      schemaSpecific.push(fc.tuple(base, value).map(([b, v]) => json(violation)({ ...b, [name]: v })));
    }
  }
  if (schemaSpecific.length === 0) {
    throw new NoStrategyError(
      'nothing in the schema can be broken (no additionalProperties: false, no required or constrained property)',
    );
  }

  // Whatever the schema: malformed JSON, JSON that is not an object, a content type the
  // operation does not accept, and a body past the parser's limit.
  strategies.push('malformed-json', 'not-an-object', 'content-type', 'oversized');
  const malformed = fc.oneof(
    base
      .map((b) => JSON.stringify(b))
      .chain((text) => fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n))),
    fc.constantFrom(
      '{',
      '{"a":}',
      "{'a':1}",
      '{"a":1,}',
      '{"a":NaN}',
      '{"a":undefined}',
      '{"a":1}}',
      '\u0000{}',
      'nul',
    ),
  );
  const notObject = fc.oneof(
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
    fc.string({ maxLength: 12 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const wrongType = fc
    .constantFrom(
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'image/gif',
      'application/sdp',
    )
    // Not one the operation accepts, nor of an accepted family (an `image/*` body on a route that
    // takes JPEG or PNG is an upload, which the route may refuse for its own reasons).
    .filter((t) => {
      const type = t.split(';')[0]!;
      const image = type.startsWith('image/') && accepted.some((a) => a.startsWith('image/'));
      return !image && !accepted.includes(type);
    });
  const generic: fc.Arbitrary<BodyCase>[] = [
    malformed.map((body) => ({ contentType: 'application/json', body, violation: 'malformed-json' })),
    notObject.map((v) => ({ contentType: 'application/json', body: JSON.stringify(v), violation: 'not-an-object' })),
    fc
      .tuple(wrongType, base)
      .map(([contentType, b]) => ({ contentType, body: JSON.stringify(b), violation: 'content-type' })),
    fc.tuple(base, fc.integer({ min: JSON_LIMIT_BYTES + 1, max: JSON_LIMIT_BYTES + 4096 })).map(([b, size]) => {
      const key = names[0] ?? 'padding';
      const text = JSON.stringify({ ...b, [key]: '' });
      const pad = 'x'.repeat(Math.max(0, size - text.length));
      return { contentType: 'application/json', body: JSON.stringify({ ...b, [key]: pad }), violation: 'oversized' };
    }),
  ];
  return {
    cases: fc.oneof(
      { arbitrary: fc.oneof(...schemaSpecific), weight: 6 },
      { arbitrary: generic[0]!, weight: 1 },
      { arbitrary: generic[1]!, weight: 1 },
      { arbitrary: generic[2]!, weight: 1 },
      // A 64 KiB body costs the most to send: rarer.
      { arbitrary: generic[3]!, weight: 1 },
    ),
    strategies,
  };
}
