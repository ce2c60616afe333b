/**
 * WeChat Pay APIv3 at its real paths on the sandbox's port (reference §11): every request's signature
 * checked against the merchant's registered keys, every 2xx answer signed (bill files excepted), on
 * the cloudPay emulation's trade store, clock, lifecycle, notifier and fault table.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import * as fs from 'fs';
import { readBody } from '../../cloud/protocol';
import { SandboxError } from '../../errors';
import { merchantFile, loadOrCreateMerchant, type MerchantProfile } from '../../merchant';
import type Database from 'better-sqlite3';
import { ApiFaults, outcomeOf, realDelay, SLOW, type ApiFault } from '../faults';
import type { PayService } from '../service';
import type { PayContext } from '../context';
import type { TradeLifecycle } from '../lifecycle';
import { answerMode, requestId, signedHeaders, signingKey, verifyRequest } from './auth';
import { BillDownloads } from './bills';
import { RefundFunds } from './refund-funds';
import { DEFAULT_V3_CONFIG, type V3Config } from './config';
import { faultError, V3Error } from './errors';
import { V3Notifications, type InternalTarget } from './notify';
import { verifyPaySign } from './payer';
import { resolveRoute, type V3Result } from './routes';
import type { V3Scope } from './scope';
import type { Json } from './validate';

export interface V3ServiceOptions {
  pay: PayService;
  sqlite: Database.Database;
  dataDir: string;
  appId: string;
  /** The sandbox's own base URL (known once it listens). */
  baseUrl: () => string;
  internal: InternalTarget;
}

function requestQuery(url: string): URLSearchParams {
  try {
    return new URL(url, 'http://sandbox').searchParams;
  } catch {
    throw new V3Error(400, 'INVALID_REQUEST', '请求的URL格式错误', { location: 'path', value: url });
  }
}

/** An error that is no V3Error: a refused body keeps its status; anything else is 500 SYSTEM_ERROR. */
function asV3Error(err: unknown): V3Error {
  if (err instanceof V3Error) return err;
  if (err instanceof SandboxError && err.httpStatus >= 400 && err.httpStatus < 500) {
    return new V3Error(err.httpStatus, 'INVALID_REQUEST', err.message);
  }
  console.error('[sandbox] APIv3 request failed:', err);
  return new V3Error(500, 'SYSTEM_ERROR', '系统错误');
}

export class V3Service {
  private readonly ctx: PayContext;
  private readonly lifecycle: TradeLifecycle;
  private readonly faults: ApiFaults;
  private readonly refundFunds: RefundFunds;
  private readonly bills = new BillDownloads();
  /** Requests served since start, by API (what the bench counts per kit operation). */
  readonly requests: Record<string, number> = { total: 0 };
  private readonly nonces = new Map<string, number>();
  private cached: { merchant: MerchantProfile; mtimeMs: number } | undefined;
  private settings: V3Config = { ...DEFAULT_V3_CONFIG };
  readonly notifications: V3Notifications;

  constructor(private readonly opts: V3ServiceOptions) {
    this.notifications = new V3Notifications(
      () => this.merchant(),
      () => this.settings,
      () => this.ctx.clock.now(),
      opts.internal,
    );
    ({ ctx: this.ctx, lifecycle: this.lifecycle } = opts.pay.attachV3(this.notifications));
    this.faults = new ApiFaults(opts.sqlite);
    this.refundFunds = new RefundFunds(opts.sqlite);
    this.merchant();
  }

  /** The merchant of the data folder, re-read when `paykit-sandbox merchant` changed the file. */
  merchant(): MerchantProfile {
    const file = merchantFile(this.opts.dataDir);
    const mtimeMs = fs.existsSync(file) ? fs.statSync(file).mtimeMs : -1;
    if (!this.cached || this.cached.mtimeMs !== mtimeMs) {
      const merchant = loadOrCreateMerchant(this.opts.dataDir, this.opts.appId);
      this.cached = { merchant, mtimeMs: fs.statSync(file).mtimeMs };
    }
    return this.cached.merchant;
  }

  config(): V3Config {
    return { ...this.settings };
  }

  configure(patch: Partial<V3Config>): V3Config {
    this.settings = { ...this.settings, ...patch };
    return this.config();
  }

  /** Checks a v3 `wx.requestPayment` parameter set; returns the pay sheet's failure text, if any. */
  checkPayment(params: Json): string | undefined {
    return verifyPaySign(this.ctx, this.merchant(), params);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = requestId();
    this.requests.total++;
    const url = req.url ?? '/';
    const pathname = url.split('?')[0];
    const method = req.method ?? 'GET';
    let mode: ReturnType<typeof answerMode> | undefined;
    try {
      const query = requestQuery(url);
      const body = await readBody(req);
      const merchant = this.merchant();
      const serial = req.headers['wechatpay-serial'];
      const authMchid = verifyRequest(
        { method, url, body, authorization: req.headers.authorization },
        merchant,
        this.settings,
        this.ctx.clock.now(),
        (nonce) => this.seen(nonce),
      );
      mode = answerMode(merchant, this.settings, typeof serial === 'string' ? serial : undefined);
      const scope: V3Scope = {
        ctx: this.ctx,
        lifecycle: this.lifecycle,
        merchant,
        config: this.settings,
        refundFunds: this.refundFunds,
        authMchid,
      };
      const contentType = String(req.headers['content-type'] ?? '');
      const userAgent = req.headers['user-agent'];
      const route = resolveRoute({ method, pathname, query, body, contentType, userAgent }, scope, {
        bills: this.bills,
        baseUrl: this.opts.baseUrl(),
      });
      if (!route) throw new V3Error(404, 'NOT_FOUND', `请求的资源不存在: ${method} ${pathname}`);
      this.requests[route.api] = (this.requests[route.api] ?? 0) + 1;
      const fault = this.faults.take(route.api);
      if (fault?.error === SLOW) {
        // Carried out now, answered (or refused) late: a client that stopped waiting has gone.
        const outcome = outcomeOf(route.run);
        await realDelay(fault.delayMs);
        if (!res.destroyed) this.send(res, id, outcome(), mode);
        return;
      }
      if (fault && !fault.afterProcessing) return await this.faulted(fault, route.api, res, id, mode);
      const result = route.run();
      if (fault) return await this.faulted(fault, route.api, res, id, mode);
      this.send(res, id, result, mode);
    } catch (err) {
      // §8.2: whatever goes wrong, a v3 caller gets a v3 error with its Request-ID.
      if (res.headersSent || res.destroyed) return;
      this.sendError(res, id, asV3Error(err), mode);
    }
  }

  private seen(nonce: string): boolean {
    const now = this.ctx.clock.now();
    const known = this.nonces.has(nonce);
    this.nonces.set(nonce, now);
    if (this.nonces.size > 10_000) {
      for (const [n, at] of this.nonces) if (now - at > 600_000) this.nonces.delete(n);
    }
    return known;
  }

  private async faulted(
    fault: ApiFault,
    api: string,
    res: ServerResponse,
    id: string,
    mode?: ReturnType<typeof answerMode>,
  ) {
    if (fault.error === 'TIMEOUT') {
      await realDelay(this.ctx.config.timeoutFaultDelayMs);
      res.destroy();
      return;
    }
    this.sendError(res, id, faultError(fault.error, api), mode);
  }

  private send(
    res: ServerResponse,
    id: string,
    result: V3Result,
    mode?: ReturnType<typeof answerMode>,
  ): void {
    if ('file' in result) {
      // §7.2: the bill file is not signed and carries no Request-ID.
      res.writeHead(200, { 'Content-Type': result.contentType, 'Content-Length': result.file.length });
      res.end(result.file);
      return;
    }
    const body = 'json' in result ? Buffer.from(JSON.stringify(result.json), 'utf8') : Buffer.alloc(0);
    this.write(res, id, result.status, body, mode);
  }

  private sendError(
    res: ServerResponse,
    id: string,
    err: V3Error,
    mode?: ReturnType<typeof answerMode>,
  ): void {
    // §15: PARAM_ERROR may come without detail (wechatpay-go#216); a setting drops it.
    const drop = err.code === 'PARAM_ERROR' && !this.settings.paramErrorDetail;
    const answer = drop ? new V3Error(err.status, err.code, err.message) : err;
    const body = Buffer.from(JSON.stringify(answer.body()), 'utf8');
    // A 2xx (USERPAYING's 202) is signed like every 2xx (§2.2); errors only when configured (§13).
    const signed = err.status < 300 || this.settings.signErrorAnswers;
    this.write(res, id, err.status, body, signed ? mode : undefined);
  }

  private write(
    res: ServerResponse,
    id: string,
    status: number,
    body: Buffer,
    mode?: ReturnType<typeof answerMode>,
  ) {
    const headers: Record<string, string | number> = { 'Request-ID': id, 'Content-Length': body.length };
    if (body.length) headers['Content-Type'] = 'application/json; charset=utf-8';
    if (mode)
      Object.assign(headers, signedHeaders(signingKey(this.merchant(), mode), body, this.ctx.clock.now()));
    res.writeHead(status, headers);
    res.end(body);
  }
}
