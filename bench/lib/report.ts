/**
 * Bench output conventions: progress on stderr, a human summary on stdout, and exactly one JSON
 * object as the last line of stdout (what scripts and CI read).
 */

/** A progress line on stderr, prefixed with the bench name. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[${bench}] ${message}\n`);
}

/**
 * A plain-text table on stdout: `columns` are the header, each row one line; cells are padded to
 * the widest, numbers right-aligned, null shown as "–".
 */
export function printTable(columns: string[], rows: (string | number | null)[][]): void {
  const text = (v: string | number | null): string => (v === null ? '–' : String(v));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => text(r[i] ?? null).length)));
  const line = (cells: (string | number | null)[]): string =>
    cells
      .map((v, i) => (typeof v === 'number' ? text(v).padStart(widths[i]!) : text(v).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

/** Writes `result` as one JSON line on stdout; call last. */
export function printJsonLine(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
