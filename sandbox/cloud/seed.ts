/**
 * Seed data in and out of the database as plain JSON ({ [collection]: doc[] }, relaxed EJSON:
 * dates as {"$date": …}), so a user can start from a fixture and save a state.
 */
import { checkCollectionName, type DocStore } from './store';
import { replaceDocument } from './update-ops';
import { decodeValue, idKey, invalidParam, isPlainObject, newId, toRelaxed } from './values';

/** Writes the documents in one transaction; existing `_id`s are overwritten, `replace` empties first. */
export function importSeed(
  store: DocStore,
  now: number,
  data: Record<string, unknown[]>,
  opts: { replace?: boolean },
): void {
  if (!isPlainObject(data)) throw invalidParam('seed data must be an object of collections');
  store.transaction(() => {
    for (const [name, docs] of Object.entries(data)) {
      const coll = checkCollectionName(name);
      if (!Array.isArray(docs)) throw invalidParam(`seed ${coll} must be an array of documents`);
      store.create(coll, now);
      if (opts.replace) store.clear(coll);
      docs.forEach((raw, i) => {
        const doc = decodeValue(raw, `${coll}[${i}]`, now);
        if (!isPlainObject(doc)) throw invalidParam(`${coll}[${i}] must be an object`);
        const id = doc._id ?? newId();
        const full = { _id: id, ...replaceDocument(id, doc) };
        const existing = store.get(coll, idKey(id));
        if (existing) store.replace(coll, existing, full);
        else store.insert(coll, idKey(id), full, now);
      });
    }
  });
}

/** Every document of the named collections (all by default), in insertion order. */
export function exportSeed(store: DocStore, collections?: string[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const coll of collections ?? store.list()) {
    out[coll] = [...store.select(checkCollectionName(coll), '1', [], 'rowid')].map((r) => toRelaxed(r.doc));
  }
  return out;
}
