/** @jest-environment node */
// The README's index table is what a merchant adds by hand in the cloud console: it must list
// exactly the indexes the kit declares (cloudfunctions/common/indexes.json, which the sandbox creates).
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

interface Declared {
  collection: string;
  fields: Array<[string, 1 | -1]>;
}

const ORDER = { 1: '升序', [-1]: '降序' } as const;

/** "`paykit_orders` | `status` 升序, `createdAt` 降序" for each declared index. */
function declared(): string[] {
  const indexes = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'cloudfunctions/common/indexes.json'), 'utf8'),
  ) as Declared[];
  return indexes.map(
    (i) => `\`${i.collection}\` | ${i.fields.map(([field, dir]) => `\`${field}\` ${ORDER[dir]}`).join(', ')}`,
  );
}

/** The same from the README's index table (its rows up to the first blank line), without the notes. */
function documented(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| collection | index fields |');
  const table = readme.slice(start, readme.indexOf('\n\n', start));
  return [...table.matchAll(/^\| (`paykit_[a-z_]+` \| `[^|]*?) *(?:\([^|]*\))? *\|$/gm)].map((m) => m[1]);
}

it("the README's index table lists exactly the indexes the kit declares", () => {
  expect(documented().sort()).toEqual(declared().sort());
});
