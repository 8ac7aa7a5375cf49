import type { AppDatabase, SqliteDatabase } from '../../server/store/AppDatabase.js';

/**
 * Serialises every table's rows (schema_migrations included, `sqlite_*` internals excluded), in
 * table-name order and, within a table, in rowid order (primary-key order for WITHOUT ROWID
 * tables), one JSON line per row; BLOBs as hex. Two dumps are equal exactly when the content is.
 * Use: `const before = dumpDatabase(db); …; assert.equal(dumpDatabase(db), before)`.
 */
export function dumpDatabase(database: AppDatabase | SqliteDatabase): string {
  const db = 'db' in database ? database.db : database;
  const tables = db
    .prepare(
      `SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'
       ORDER BY name`,
    )
    .all() as { name: string; wr: number }[];
  const lines: string[] = [];
  for (const { name, wr } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const order = wr ? '' : ' ORDER BY rowid';
    lines.push(`# ${name}`);
    for (const row of db.prepare(`SELECT * FROM ${quoted}${order}`).all() as Record<string, unknown>[]) {
      lines.push(
        JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? `x'${value.toString('hex')}'` : value)),
      );
    }
  }
  return lines.join('\n');
}
