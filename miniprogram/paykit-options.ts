/**
 * How this mini-program reaches the kit. Deployed builds use cloud mode with your env id. To try the
 * kit in WeChat DevTools against the local sandbox (`npm start`), switch to local mode and point
 * gatewayUrl at the URL the sandbox prints (and tick "不校验合法域名" in DevTools).
 */
import type { PaykitConfigInput } from './paykit/config';

export const paykitOptions: PaykitConfigInput = {
  mode: 'cloud',
  env: '',
  // mode: 'local',
  // gatewayUrl: 'http://127.0.0.1:7788',
};
