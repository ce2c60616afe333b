/** The kit's services in a function instance: the configuration, the store and the pay provider. */
import cloud from 'wx-server-sdk';
import { loadServerConfig, type ServerConfig } from './config';
import { ServerError } from './errors';
import { InvocationTime } from './invocation-time';
import type { PayProvider } from './provider';
import { ApiV3Provider } from './providers/apiv3/provider';
import { CloudPayProvider } from './providers/cloudpay';
import { Store } from './store';

export interface Kit {
  config: ServerConfig;
  store: Store;
  provider: PayProvider;
  envId: string;
  /** The invocation running now: WeChat Pay's calls and the merchant hooks keep within it. */
  time: InvocationTime;
}

export function initCloud(): void {
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
}

let loaded: Kit | undefined;
/** The time of the invocation running now (an instance runs one at a time): WeChat Pay's calls keep within it. */
const time = new InvocationTime();

/**
 * The kit's services for an invocation, given the context SCF passed its main: built on an
 * instance's first invocation and reused by the next ones (the configuration comes from the
 * function's environment, which does not change while it runs). A configuration error is answered
 * on every call until it is fixed.
 */
export function loadKit(context: unknown): Kit {
  time.begin(context);
  const envId = String(cloud.getWXContext().ENV ?? '');
  if (!envId)
    throw new ServerError(
      'NOT_CONFIGURED',
      'cannot tell the cloud environment id (getWXContext().ENV is empty)',
    );
  if (loaded?.envId === envId) return loaded;
  // The key files (secrets/…) sit beside the function's index.js, which is where this code is
  // bundled: the process's working folder is the platform's choice (the sandbox's is its own).
  const config = loadServerConfig(process.env, __dirname);
  loaded = { config, store: new Store(), provider: providerFor(config, envId), envId, time };
  return loaded;
}

function providerFor(config: ServerConfig, envId: string): PayProvider {
  const { provider } = config;
  return provider.name === 'apiv3'
    ? new ApiV3Provider(provider.apiv3, time)
    : new CloudPayProvider(provider.cloudpay, envId, time);
}
