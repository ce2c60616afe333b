/**
 * How the client reaches the kit. `cloud` (the default) calls cloud functions through
 * `wx.cloud.callFunction`; `local` posts to a running sandbox gateway, for DevTools sessions
 * against `npm start` without a cloud environment.
 */
export type PaykitMode = 'cloud' | 'local';

export interface PaykitConfig {
  /** Cloud environment id, used by `wx.cloud.init` in cloud mode. Empty means the default env. */
  env: string;
  mode: PaykitMode;
  /** Sandbox base URL in local mode, e.g. `http://127.0.0.1:7788`. */
  gatewayUrl: string;
  /** The caller identity the gateway uses in local mode (there is no WeChat login there). */
  localOpenid: string;
  /** Access token of a sandbox started beyond loopback (`npm start -- --host 0.0.0.0` prints it). */
  gatewayToken: string;
  /**
   * Waits (ms) before each queryOrder that confirms a payment the sheet reported; the length is the
   * number of tries. Default 5 tries over about 6 s.
   */
  confirmDelays: number[];
}

export type PaykitConfigInput = Partial<PaykitConfig>;

export const DEFAULT_CONFIG: Readonly<PaykitConfig> = {
  env: '',
  mode: 'cloud',
  gatewayUrl: 'http://127.0.0.1:7788',
  localOpenid: 'oPaykitLocalUser',
  gatewayToken: '',
  confirmDelays: [0, 500, 1000, 1500, 3000],
};

let current: PaykitConfig = { ...DEFAULT_CONFIG };

/** Sets the options given and keeps the others; returns the resulting configuration. */
export function configurePaykit(input: PaykitConfigInput): Readonly<PaykitConfig> {
  const next = { ...current };
  if (input.env !== undefined) next.env = input.env;
  if (input.mode !== undefined) next.mode = input.mode;
  if (input.gatewayUrl !== undefined) next.gatewayUrl = input.gatewayUrl.replace(/\/+$/, '');
  if (input.localOpenid !== undefined) next.localOpenid = input.localOpenid;
  if (input.gatewayToken !== undefined) next.gatewayToken = input.gatewayToken;
  if (input.confirmDelays !== undefined) next.confirmDelays = [...input.confirmDelays];
  current = next;
  return current;
}

export function getPaykitConfig(): Readonly<PaykitConfig> {
  return current;
}

/** Back to the defaults (tests and hot reload). */
export function resetPaykitConfig(): void {
  current = { ...DEFAULT_CONFIG };
}
