// Loaded by gulp-cli through interpret -> esbuild-register (no type-check here: `tsc -p tsconfig.node.json`).
// The steps live in build/; this file only names the tasks. `npx gulp --tasks` lists them.
import { createContext } from './build/context';
import { createTasks } from './build/tasks';

const tasks = createTasks(createContext({ root: __dirname }));

export const { clean, scripts, assets, npm, functions, sandbox, wxml, build, watch } = tasks;
export default build;
