/** The kit's per-invocation wiring: the caller from getWXContext, the config, store and provider. */
import cloud from 'wx-server-sdk';
import { loadConfig, type PaykitConfig } from './config';
import { PaykitError } from './errors';
import type { PayProvider } from './provider';
import { CloudPayProvider } from './providers/cloudpay';
import { Store } from './store';

export interface Kit {
  config: PaykitConfig;
  store: Store;
  provider: PayProvider;
  envId: string;
}

export function initCloud(): void {
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
}

export function kit(): Kit {
  const config = loadConfig();
  const envId = String(cloud.getWXContext().ENV ?? '');
  if (!envId)
    throw new PaykitError(
      'NOT_CONFIGURED',
      'cannot tell the cloud environment id (getWXContext().ENV is empty)',
    );
  return { config, store: new Store(), provider: new CloudPayProvider(config, envId), envId };
}

/**
 * Timer functions do housekeeping for everyone; a user calling one from the mini-program (any user
 * can call any cloud function) is refused.
 */
export function requireTimer(): void {
  const ctx = cloud.getWXContext();
  if (ctx.OPENID) throw new PaykitError('FORBIDDEN', 'this function runs on its timer only');
}

/** The calling user. Never taken from the event: a client can put anything there. */
export function caller(): { openid: string; appid: string } {
  const ctx = cloud.getWXContext();
  const openid = typeof ctx.OPENID === 'string' ? ctx.OPENID : '';
  if (!openid)
    throw new PaykitError('UNAUTHENTICATED', 'this function must be called from the mini-program by a user');
  return { openid, appid: typeof ctx.APPID === 'string' ? ctx.APPID : '' };
}
