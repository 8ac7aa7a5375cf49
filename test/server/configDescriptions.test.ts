import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { configSchema } from '../../server/config/configSchema.js';

/** A JSON Schema node as `z.toJSONSchema` writes it (only what the walk reads). */
interface JsonSchemaNode {
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
}

/**
 * Every configuration key's path (`a.b`, arrays as `a[]`, records as `a.*`), with whether it has a
 * description. The keys of every variant of a union are walked under the same path.
 */
function keys(node: JsonSchemaNode, path: string, out: Map<string, boolean>): Map<string, boolean> {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const at = path === '' ? name : `${path}.${name}`;
    out.set(at, (out.get(at) ?? false) || Boolean(child.description));
    keys(child, at, out);
  }
  if (typeof node.additionalProperties === 'object') keys(node.additionalProperties, `${path}.*`, out);
  if (node.items) keys(node.items, `${path}[]`, out);
  for (const variant of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) keys(variant, path, out);
  return out;
}

describe('configuration descriptions', () => {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const all = keys(json, '', new Map());

  it('walks the whole schema: top-level sections, nested slices, union variants and array items', () => {
    for (const path of [
      'server.port',
      'camerad.backoffMaxMs',
      'vision.models.detector.inputWidth',
      'outputs.mjpeg.fps',
      'outputs.retention.diskBudgetMib',
      'livepeer.backoffInitialMs',
      'cameras[].analysisFps',
      'log.level',
    ]) {
      assert.ok(all.has(path), `the walk reaches ${path}`);
    }
  });

  it('every field, at every depth, has a description (README and users read them)', () => {
    const missing = [...all].filter(([, described]) => !described).map(([path]) => path);
    assert.deepEqual(missing, [], `fields without .describe(): ${missing.join(', ')}`);
  });
});
