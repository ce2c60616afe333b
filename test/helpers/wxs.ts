/** Template helpers (.wxs files: plain ES5 with module.exports) evaluated as WXS would run them. */
import * as fs from 'fs';
import * as path from 'path';

const PAYKIT = path.resolve(__dirname, '../../miniprogram/paykit');

/** WXS has no `new Date`: `getDate(ms)` makes one. */
const getDate = (...args: []) => new Date(...args);

/** The exports of `miniprogram/paykit/<name>.wxs`, without the template engine. */
export function loadWxs<T>(name: string): T {
  const source = fs.readFileSync(path.join(PAYKIT, `${name}.wxs`), 'utf8');
  const module = { exports: {} as T };
  new Function('module', 'getDate', source)(module, getDate);
  return module.exports;
}
