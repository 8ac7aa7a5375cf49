/**
 * The camerad control protocol as a checked contract (issue 17): its three copies, the C++
 * sources (native/src), the TypeScript client (media/camerad/CameradProtocol.ts) and
 * native/PROTOCOL.md, name the same methods, error codes and notifications, and the real
 * camerad knows every method the client can send.
 *
 * The C++ side is read from its sources: an error code is the string literal that starts a
 * `ControlReply::failure("code", ...)` call, a notification the literal that starts a
 * `notify("name", ...)`, `notify_("name", ...)` or `notification("name", ...)` call, a method a
 * `methods_["name"]` entry of the dispatch table (native/src/RequestDispatcher.cpp).
 * Build first: cmake -S native -B native/build && cmake --build native/build -j2
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CAMERAD_ERROR_CODES, METHOD_NAMES, NOTIFICATION_EVENTS } from '../../media/camerad/CameradProtocol.js';
import { REPO_ROOT, type Running, startCamerad, stopCamerad } from './cameradHarness.js';

const SRC = join(REPO_ROOT, 'native/src');
const PROTOCOL_MD = readFileSync(join(REPO_ROOT, 'native/PROTOCOL.md'), 'utf8');

/** C++ source text without comments (string and character literals kept as they are). */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every .cpp and .h file of native/src, comments removed, by file name. */
function cppSources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(SRC).sort()) {
    if (name.endsWith('.cpp') || name.endsWith('.h')) {
      files.set(name, stripComments(readFileSync(join(SRC, name), 'utf8')));
    }
  }
  return files;
}

/** The first capture group of every match of `pattern` in every source. */
function scan(sources: Map<string, string>, pattern: RegExp): Set<string> {
  const found = new Set<string>();
  for (const text of sources.values()) for (const m of text.matchAll(pattern)) found.add(m[1]!);
  return found;
}

/** The lines of PROTOCOL.md from the line `start` up to the next line matching `end`. */
function mdSection(start: RegExp, end: RegExp): string[] {
  const lines = PROTOCOL_MD.split('\n');
  const from = lines.findIndex((l) => start.test(l));
  assert.ok(from >= 0, `native/PROTOCOL.md has no line matching ${String(start)}`);
  const to = lines.findIndex((l, i) => i > from && end.test(l));
  return lines.slice(from + 1, to < 0 ? lines.length : to);
}

/** The first column of the table rows `| \`name\` | ...` in `lines`. */
function tableNames(lines: string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) {
    const m = /^\|\s*`([a-z_]+)`\s*\|/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Fails naming what each copy has that another lacks. */
function assertSameSets(what: string, copies: Record<string, Iterable<string>>): void {
  const sets = Object.entries(copies).map(([label, items]) => [label, new Set(items)] as const);
  const problems: string[] = [];
  for (const [label, set] of sets) {
    for (const [otherLabel, other] of sets) {
      if (label === otherLabel) continue;
      const missing = [...set].filter((x) => !other.has(x)).sort();
      if (missing.length) problems.push(`${what} in ${label} but not in ${otherLabel}: ${missing.join(', ')}`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
}

const sources = cppSources();

describe('the camerad protocol: C++, TypeScript and PROTOCOL.md agree', () => {
  test('the C++ sources build every error reply in one form, so the scan below sees every code', () => {
    const all = [...sources.values()].join('\n');
    // The one place a reply becomes the wire's {"error": {"code", "message"}} object.
    assert.equal((all.match(/\{"code",/g) ?? []).length, 1, 'one place builds the error object');
    // Every failure names its code as a literal.
    const nonLiteral = [...all.matchAll(/ControlReply::failure\(\s*([^"\s)][^,]*)/g)].map((m) => m[1]);
    assert.deepEqual(nonLiteral, [], 'ControlReply::failure with a code that is not a string literal');
  });

  test('error codes: PROTOCOL.md "Error codes used" = the C++ ControlReply::failure codes = CAMERAD_ERROR_CODES', () => {
    const md = tableNames(mdSection(/^Error codes used/, /^## /));
    const cpp = scan(sources, /ControlReply::failure\(\s*"([a-z_]+)"/g);
    assert.ok(cpp.has('bad_request') && cpp.has('unknown_method'), `the scan found ${[...cpp].join(', ')}`);
    assertSameSets('error codes', {
      'native/PROTOCOL.md': md,
      'the C++ sources': cpp,
      'CAMERAD_ERROR_CODES (media/camerad/CameradProtocol.ts)': CAMERAD_ERROR_CODES,
    });
  });

  test('notifications: PROTOCOL.md "### `name`" sections = the C++ notify calls = the Notification union', () => {
    const md = new Set<string>();
    for (const line of mdSection(/^## Notifications/, /^## /)) {
      const m = /^### `([a-z_]+)`/.exec(line);
      if (m) md.add(m[1]!);
    }
    const cpp = scan(sources, /\b(?:notify_?|notification)\(\s*"([a-z_]+)"/g);
    assert.ok(cpp.has('hello') && cpp.has('stats'), `the scan found ${[...cpp].join(', ')}`);
    assertSameSets('notifications', {
      'native/PROTOCOL.md': md,
      'the C++ sources': cpp,
      'NOTIFICATION_EVENTS / Notification (media/camerad/CameradProtocol.ts)': NOTIFICATION_EVENTS,
    });
  });

  test('methods: the PROTOCOL.md method table = the C++ dispatch table = Methods', () => {
    const md = tableNames(mdSection(/^## Requests/, /^Error codes used/));
    const cpp = scan(
      new Map([['RequestDispatcher.cpp', sources.get('RequestDispatcher.cpp') ?? '']]),
      /methods_\["([a-z_]+)"\]/g,
    );
    assert.ok(cpp.has('ping'), `the scan found ${[...cpp].join(', ')}`);
    assertSameSets('methods', {
      'native/PROTOCOL.md': md,
      'the C++ dispatch table (native/src/RequestDispatcher.cpp)': cpp,
      'Methods (media/camerad/CameradProtocol.ts)': METHOD_NAMES,
    });
  });
});

describe('the real camerad knows every method of Methods', () => {
  let cam: Running | undefined;
  before(async () => {
    cam = await startCamerad('test://', ['--width=320', '--height=180', '--fps=15'], { waitHello: true });
  });
  after(async () => stopCamerad(cam));

  test('each method, sent without params (shutdown last), is answered and never with unknown_method', async () => {
    const { client, proc } = cam!;
    // The check itself: a method camerad has not is answered so.
    assert.equal((await client.request('no_such_method')).error?.code, 'unknown_method');
    const methods = [...METHOD_NAMES.filter((m) => m !== 'shutdown'), 'shutdown'];
    for (const method of methods) {
      const response = await client.request(method, {}, 10_000);
      if (!response.ok) {
        assert.notEqual(
          response.error?.code,
          'unknown_method',
          `camerad does not know ${method}: ${response.error?.message}`,
        );
        assert.ok(
          (CAMERAD_ERROR_CODES as readonly string[]).includes(response.error?.code ?? ''),
          `${method} answered with a code the client does not know: ${JSON.stringify(response.error)}`,
        );
      }
    }
    const exit = await proc.waitExit(10_000);
    assert.equal(exit.code, 0, 'shutdown stops camerad with exit code 0');
  });
});
