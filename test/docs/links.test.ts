/** @jest-environment node */
// Every in-repository link of the READMEs and docs/ leads somewhere: the file exists, and a
// #fragment names a heading of that file as GitHub anchors it.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const DOCS = [
  'README.md',
  'README.zh-CN.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown without its fenced code blocks and inline code spans, where nothing is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower-cased, punctuation dropped, spaces to hyphens, -1… on repeats. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = (text ?? '')
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  for (const [, name] of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(name ?? '');
  return out;
}

/** Every link target of a file: markdown links and images, and HTML src/href. */
function targets(markdown: string): string[] {
  const text = prose(markdown);
  const md = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
  const html = [...text.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  return [...md, ...html].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('in-repository links of the READMEs and docs/', () => {
  it.each(DOCS)('%s: every link and anchor resolves', (doc) => {
    const file = path.join(ROOT, doc);
    const broken: string[] = [];
    for (const target of targets(fs.readFileSync(file, 'utf8'))) {
      const [rel = '', fragment] = target.split('#');
      const linked = rel ? path.resolve(path.dirname(file), decodeURI(rel)) : file;
      if (!fs.existsSync(linked)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (fragment === undefined || !linked.endsWith('.md')) continue;
      if (!anchors(fs.readFileSync(linked, 'utf8')).has(decodeURIComponent(fragment)))
        broken.push(`${target}: no heading with that anchor`);
    }
    expect(broken).toEqual([]);
  });

  it('reads anchors as GitHub makes them', () => {
    const headings =
      '# Going live with cloudPay (merchants already bound)\n## `listOrders` · 订单\n## A\n## A\n';
    expect([...anchors(headings)]).toEqual([
      'going-live-with-cloudpay-merchants-already-bound',
      'listorders--订单',
      'a',
      'a-1',
    ]);
  });
});
