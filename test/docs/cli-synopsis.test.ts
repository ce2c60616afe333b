/** @jest-environment node */
// The README's CLI synopsis names every command and option that `paykit-sandbox help` prints.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/** The fenced block right after the README's "The CLI (`npm run sandbox -- <command>`" line. */
function readmeSynopsis(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('The CLI (`npm run sandbox -- <command>`');
  const open = readme.indexOf('```\n', at);
  return readme.slice(open + 4, readme.indexOf('```', open + 4));
}

/** Command names (the first word of a two-space-indented line, not a local user's) and every --option. */
function words(usage: string): { commands: Set<string>; options: Set<string> } {
  const commands = new Set([...usage.matchAll(/^ {2}([a-z]+)\b(?!.*oPaykit)/gm)].map((m) => m[1] ?? ''));
  const options = new Set([...usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
  return { commands, options };
}

describe('README CLI synopsis', () => {
  it('names every command and option of `paykit-sandbox help`', () => {
    const help = execFileSync(process.execPath, [path.join(ROOT, 'bin/paykit-sandbox.js'), 'help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const fromHelp = words(help);
    const inReadme = words(readmeSynopsis());
    expect([...fromHelp.commands].filter((c) => !inReadme.commands.has(c))).toEqual([]);
    expect([...fromHelp.options].filter((o) => !inReadme.options.has(o) && o !== '--help')).toEqual([]);
    expect([...inReadme.options].filter((o) => !fromHelp.options.has(o))).toEqual([]);
  });
});
