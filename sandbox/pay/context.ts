/** What the API handlers share. `config` may be swapped at runtime by `PayService.configure`. */
import type { SandboxClock } from '../clock';
import type { PayConfig } from './config';
import type { Notifier } from './notify';
import type { PayRecords } from './records';

export interface PayCaller {
  appid: string;
  openid?: string;
  envId: string;
}

export interface PayContext {
  config: PayConfig;
  clock: SandboxClock;
  records: PayRecords;
  notifier: Notifier;
}
