/**
 * Prepared statements by SQL text, per database: preparing costs more than running most of the
 * sandbox's queries, and the pay and cloud paths run the same few on every request.
 */
import type Database from 'better-sqlite3';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();
/** SQL built from query shapes could be many: past this many, the cache starts over. */
const MAX_STATEMENTS = 500;

/** `db.prepare(sql)`, once per database. Not for `.iterate()`, whose statement stays busy while read. */
export function statement(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let prepared = cache.get(sql);
  if (!prepared) {
    if (cache.size >= MAX_STATEMENTS) cache.clear();
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}
