/**
 * APIv3 notifications (reference §3): the §3.2 envelope with the resource encrypted under the APIv3
 * key (built once, so retries carry the same `id`), signed afresh on every attempt in the merchant's
 * mode (or with `PUB_KEY_ID_…` during a switch-over), optionally preceded by a `WECHATPAY/SIGNTEST/`
 * probe, POSTed to notify_url: the sandbox's HTTP access domain is served internally, loopback URLs
 * over HTTP. A 2xx within the time limit is an acknowledgement; anything else is retried by the
 * shared Notifier on the §3.1 schedule.
 */
import { randomUUID } from 'node:crypto';
import type { MerchantProfile, SignMode } from '../../merchant';
import type { V3Events } from '../context';
import { ACKNOWLEDGED } from '../notify';
import type { RefundRow, TradeRow } from '../records';
import { signedHeaders, signingKey } from './auth';
import { encryptResource, gcmNonce } from './cipher';
import type { V3Config } from './config';
import { refundResource, rfc3339, transactionResource, V3_REFUND_STATUS } from './resources';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Serves a URL of the sandbox's own HTTP access domain; undefined when the URL is not one. */
export type InternalTarget = (
  url: URL,
  request: { headers: Record<string, string>; body: Buffer },
) => Promise<HttpAnswer> | undefined;

const REFUND_EVENTS: Record<string, [string, string]> = {
  SUCCESS: ['REFUND.SUCCESS', '退款成功'],
  CLOSED: ['REFUND.CLOSED', '退款关闭'],
  ABNORMAL: ['REFUND.ABNORMAL', '退款异常'],
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export class V3Notifications implements V3Events {
  /** Deliveries answered too late (after notifyTimeoutMs): WeChat gave up, their handler still runs. */
  private readonly late = new Set<Promise<unknown>>();

  constructor(
    private readonly merchant: () => MerchantProfile,
    private readonly config: () => V3Config,
    private readonly now: () => number,
    private readonly internal: InternalTarget,
  ) {}

  payment(trade: TradeRow): Record<string, unknown> {
    const resource = transactionResource(trade, trade.sub_mch_id);
    return this.envelope('TRANSACTION.SUCCESS', '支付成功', 'transaction', resource);
  }

  retries(): number {
    return this.config().notifyRetries;
  }

  platformRefundUrl(): string {
    return this.config().refundNotifyUrl;
  }

  async settleLate(): Promise<boolean> {
    if (!this.late.size) return false;
    while (this.late.size) await Promise.allSettled([...this.late]);
    return true;
  }

  refund(trade: TradeRow, refund: RefundRow): Record<string, unknown> {
    const [event, summary] = REFUND_EVENTS[V3_REFUND_STATUS[refund.status]] ?? REFUND_EVENTS.SUCCESS;
    return this.envelope(event, summary, 'refund', refundResource(trade, refund, trade.sub_mch_id));
  }

  private envelope(
    eventType: string,
    summary: string,
    type: string,
    resource: object,
  ): Record<string, unknown> {
    const nonce = gcmNonce();
    // Observed key order (§3.2): what is signed is these exact bytes.
    return {
      id: randomUUID(),
      create_time: rfc3339(this.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: {
        original_type: type,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptResource(this.merchant().apiV3Key, nonce, type, JSON.stringify(resource)),
        associated_data: type,
        nonce,
      },
    };
  }

  /** One delivery attempt: the answer as the delivery log records it, marked when acknowledged. */
  async deliver(notifyUrl: string, envelope: Record<string, unknown>): Promise<Record<string, unknown>> {
    const config = this.config();
    const body = Buffer.from(JSON.stringify(envelope), 'utf8');
    const url = new URL(notifyUrl);
    const answer: Record<string, unknown> = {};
    if (config.signProbeRate > 0 && Math.random() < config.signProbeRate) {
      const probe = await this.post(url, body, this.mode(), true);
      // §2.4: a merchant that verifies answers a probe with 4XX/5XX.
      answer.probe = { status: probe.status, verified: probe.status >= 400 };
    }
    const mode = this.mode();
    const reply = await this.post(url, body, mode, false);
    Object.assign(answer, { status: reply.status, body: reply.body.slice(0, 512), signedWith: mode });
    return reply.status >= 200 && reply.status < 300 ? { ...answer, [ACKNOWLEDGED]: true } : answer;
  }

  private mode(): SignMode {
    const merchant = this.merchant();
    if (merchant.signMode === 'publicKey' || !merchant.hasPlatformCertificate) return 'publicKey';
    const share = this.config().notifyPublicKeyShare;
    return share > 0 && Math.random() < share ? 'publicKey' : 'certificate';
  }

  private async post(url: URL, body: Buffer, mode: SignMode, probe: boolean): Promise<HttpAnswer> {
    const headers = {
      ...signedHeaders(signingKey(this.merchant(), mode), body, this.now(), probe),
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/4.0',
    };
    const limit = this.config().notifyTimeoutMs;
    const internal = this.internal(url, { headers, body });
    if (internal) return this.withTimeout(internal, limit);
    if (!LOOPBACK.test(url.hostname)) {
      throw new Error(
        `${url.host} is unreachable from the sandbox (its HTTP access domain and loopback only)`,
      );
    }
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(limit) }).catch(
      (err: Error) => {
        throw new Error(err.name === 'TimeoutError' ? `no answer within ${limit} ms` : err.message);
      },
    );
    return { status: res.status, body: await res.text() };
  }

  /** A handler that misses the limit keeps running (as a slow function does): kept in `late`. */
  private withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const running = work.catch(() => undefined).finally(() => this.late.delete(running));
        this.late.add(running);
        reject(new Error(`no answer within ${ms} ms`));
      }, ms);
    });
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
  }
}
