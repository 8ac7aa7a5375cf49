import type { ZodError } from 'zod';

/**
 * The first problem of a failed zod parse as a dotted path (`cameras[0].fps`; an unknown key is
 * named by its own path) and a message; `unknownLabel` words unknown keys (`unknown setting`,
 * `unknown field`). Shared by the configuration loader and the HTTP routers so both name the
 * offending field the same way.
 */
export function firstZodIssue(error: ZodError, unknownLabel: string): { path: string; message: string } {
  const issue = error.issues[0]!;
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return { path: keys[0]!, message: `${unknownLabel}${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` };
  }
  return { path, message: issue.message };
}
