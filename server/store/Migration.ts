/**
 * One schema change. Each concern (sessions, chain, biometrics) owns a list of these; ids are
 * unique across the whole database (prefix them with the concern: `sessions/001-create`), are
 * applied once each, in list order, inside one transaction, and recorded in `schema_migrations`.
 * A migration is never edited after it ships: add a new one.
 */
export interface Migration {
  id: string;
  /** SQL run with `Database.exec` (may hold several statements). */
  sql: string;
}
