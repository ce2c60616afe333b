/**
 * The soak's view of the sandbox: kit functions called as users through the gateway (a killed
 * instance is an answer to count, not an exception), the payer, and the control routes it drives.
 * Every POST carries `content-type: application/json`, as the sandbox requires.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { PaykitFunctionName, PaykitFunctions } from '../../typings/paykit/functions';
import { callFunction, del, get, post } from '../../test/helpers/control';

export type Doc = Record<string, unknown>;

/** A kit function's answer, or the cloud's error when the call itself failed (killed, timed out). */
export type CallOutcome<T> = PaykitResponse<T> | { ok: false; code: 'CLOUD_ERROR'; message: string };

export interface TradeView {
  outTradeNo: string;
  state: 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED';
  totalFee: number;
  transactionId: string | null;
  timeExpire: number | null;
  refunds: Array<{ outRefundNo: string; refundFee: number; status: string }>;
}

export interface PayNotification {
  id: number;
  kind: 'payment' | 'refund';
  outTradeNo: string;
  status: string;
  attempts: number;
  nextAt: number | null;
}

export interface ChaosState {
  settings: { killRate: number };
  stats: {
    doomed: number;
    killedMidInvocation: number;
    spared: number;
    killedIdle: number;
    killedBusy: number;
  };
}

export interface LogRecord {
  requestId: string;
  name: string;
  startedAt: number;
  durationMs: number;
  result?: unknown;
  error?: string;
  chaosKill?: { call: number; phase: string };
}

export class SoakClient {
  constructor(readonly base: string) {}

  post<T = Doc>(path: string, body: unknown): Promise<T> {
    return post<T>(`${this.base}${path}`, body);
  }

  get<T = Doc>(path: string): Promise<T> {
    return get<T>(`${this.base}${path}`);
  }

  /** wx.cloud.callFunction as `openid`: a failed call (killed, timed out) is an answer, not an exception. */
  async call<K extends PaykitFunctionName>(
    openid: string,
    name: K,
    data: PaykitFunctions[K]['request'] | Doc,
  ): Promise<CallOutcome<PaykitFunctions[K]['result']>> {
    const answer = await callFunction<PaykitResponse<PaykitFunctions[K]['result']>>(
      this.base,
      openid,
      name,
      data,
    );
    return answer.ok ? answer.result : { ok: false, code: 'CLOUD_ERROR', message: answer.errMsg };
  }

  /** A user calling a function outside the kit's typed contract (a forged callback). */
  async callRaw(openid: string, name: string, data: Doc): Promise<unknown> {
    const answer = await callFunction(this.base, openid, name, data);
    return answer.ok ? answer.result : answer;
  }

  /** The payer on the pay sheet. */
  async pay(openid: string, pkg: string, action: string): Promise<string> {
    return (await this.post<{ errMsg: string }>('/gateway/pay', { package: pkg, openid, action })).errMsg;
  }

  async clock(action: 'freeze' | 'resume' | 'advance' | 'read', ms = 0): Promise<number> {
    if (action === 'read') return (await this.get<{ now: number }>('/sandbox/clock')).now;
    return (await this.post<{ now: number }>('/sandbox/clock', { action, ms })).now;
  }

  chaos(settings: Doc = {}): Promise<ChaosState> {
    return this.post<ChaosState>('/sandbox/functions/chaos', settings);
  }

  async kill(mode: 'idle' | 'busy' | 'any', name?: string): Promise<number> {
    const { killed } = await this.post<{ killed: unknown[] }>('/sandbox/functions/kill', { mode, name });
    return killed.length;
  }

  apiFault(fault: { api: string; error: string; count: number; afterProcessing: boolean }): Promise<Doc> {
    return this.post('/sandbox/pay/faults', fault);
  }

  callbackFault(fault: { mode: string; count: number; kind?: string; delayMs?: number }): Promise<Doc> {
    return this.post('/sandbox/pay/callbacks', fault);
  }

  clearFaults(): Promise<void> {
    return del(`${this.base}/sandbox/pay/faults`);
  }

  async release(order: 'fifo' | 'reverse'): Promise<number> {
    return (await this.post<{ released: number }>('/sandbox/pay/callbacks/release', { order })).released;
  }

  settle(): Promise<Doc> {
    return this.post('/sandbox/pay/settle', {});
  }

  async collection(name: string): Promise<Doc[]> {
    return (await this.post<{ data: Doc[] }>('/sandbox/db/query', { collection: name, where: {} })).data;
  }

  async trades(): Promise<TradeView[]> {
    return (await this.get<{ trades: TradeView[] }>('/sandbox/pay/trades')).trades;
  }

  async notifications(): Promise<PayNotification[]> {
    return (await this.get<{ notifications: PayNotification[] }>('/sandbox/pay/notifications')).notifications;
  }

  async logs(name: string, limit = 2000): Promise<LogRecord[]> {
    return (await this.get<{ logs: LogRecord[] }>(`/sandbox/logs?name=${name}&limit=${limit}`)).logs;
  }

  triggers(): Promise<{
    triggers: Array<{ fn: string; next?: number }>;
    firings: Array<{ fn: string; at: number; ok: boolean }>;
  }> {
    return this.get('/sandbox/triggers');
  }
}

/** A stored time (a Date serialised as ISO text or `{ $date }`) in ms, or NaN. */
export function timeOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  if (value && typeof value === 'object' && '$date' in value)
    return timeOf((value as { $date: unknown }).$date);
  return NaN;
}
