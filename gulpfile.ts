// Loaded by gulp-cli through interpret -> esbuild-register (no type-check here: `tsc -p tsconfig.node.json`).
// The steps live in build/; this file only names the tasks. `npx gulp --tasks` lists them.
import { createCiTasks } from './build/ci-tasks';
import { createContext } from './build/context';
import { createTasks } from './build/tasks';

const context = createContext({ root: __dirname });
const tasks = createTasks(context);

export const { clean, scripts, assets, npm, functions, sandbox, dashboard, wxml, build, watch } = tasks;
// miniprogram-ci (loaded only in a child process while one of these runs): npm run preview|upload|deploy
export const { preview, upload, deploy } = createCiTasks(context);
export default build;
