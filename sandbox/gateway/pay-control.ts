/**
 * Pay controls, Stripe-test-mode style: act as the payer or as the merchant on the merchant platform
 * (a refund made there, not through the API), read trades, notifications and every
 * callback delivery, inject API and callback faults, hold and release (reorder) callbacks, and
 * read or change the emulator's settings. Bad input is a 400 naming the valid values.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { badRequest, oneOf, optionalString, readJson, requireString, sendJson, wholeNumber } from '../http';
import type { Sandbox } from '../server';
import { CALLBACK_FAULT_MODES, CALLBACK_KINDS } from '../pay/callback-faults';
import { configPatchProblem, type PayConfig } from '../pay/config';
import { PAYER_ACTIONS } from '../pay/payer';

const CALLBACK_MODES = CALLBACK_FAULT_MODES;
const KINDS = CALLBACK_KINDS;
const TRADE_STATES = ['NOTPAY', 'SUCCESS', 'REFUND', 'CLOSED'] as const;
const NOTIFICATION_STATUSES = ['pending', 'inflight', 'delivered', 'abandoned', 'held'] as const;
const RELEASE_ORDERS = ['fifo', 'reverse'] as const;
/** The longest `GET notifications?waitMs=` wait. */
const MAX_WAIT_MS = 30_000;
const ROUTES =
  'GET trades|notifications|deliveries|faults|config, POST act|refunds|faults|callbacks|callbacks/release|' +
  'callbacks/resend|settle|config, DELETE faults';
/** A merchant-platform refund's reason: at most 80 bytes, as the API's refund_desc. */
const REASON_MAX_BYTES = 80;

export async function handlePayControl(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
) {
  const pay = sandbox.pay;
  const method = req.method ?? 'GET';
  const q = new URL(req.url ?? '/', 'http://sandbox').searchParams;
  const param = (k: string) => q.get(k) || undefined;
  const route = `${method} ${rest.join('/')}`;

  switch (route) {
    case 'GET trades':
      return sendJson(res, 200, {
        trades: pay.trades({
          outTradeNo: param('outTradeNo'),
          state: oneOf('state', param('state'), TRADE_STATES),
          subMchId: param('subMchId'),
        }),
      });
    case 'GET notifications': {
      const filter = {
        outTradeNo: param('outTradeNo'),
        status: oneOf('status', param('status'), NOTIFICATION_STATUSES),
      };
      // waitMs: while nothing matches, answer once something does (or the time is up) instead of
      // being polled; what a bench or a test waiting for one callback asks.
      const wait = param('waitMs');
      const waitMs = wholeNumber(
        'waitMs',
        wait === undefined || !/^\d+$/.test(wait) ? wait : Number(wait),
        0,
        0,
      )!;
      if (waitMs > MAX_WAIT_MS) throw badRequest(`waitMs must be at most ${MAX_WAIT_MS}; got ${waitMs}`);
      const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
      const notifications = await pay.waitForNotifications(filter, waitMs, gone);
      return sendJson(res, 200, { notifications });
    }
    case 'GET deliveries':
      return sendJson(res, 200, {
        deliveries: pay.deliveries({
          outTradeNo: param('outTradeNo'),
          outRefundNo: param('outRefundNo'),
          kind: oneOf('kind', param('kind'), KINDS),
        }),
      });
    case 'POST act': {
      const body = await readJson(req);
      return sendJson(
        res,
        200,
        await pay.act({
          package: requireString(body, 'package'),
          openid: requireString(body, 'openid'),
          action: oneOf('action', body.action, PAYER_ACTIONS, 'pay')!,
        }),
      );
    }
    case 'POST refunds': {
      // The merchant refunds a trade by hand on the merchant platform, not through the API.
      const body = await readJson(req);
      const subMchId = optionalString(body, 'subMchId');
      if (subMchId !== undefined && !/^\d{1,32}$/.test(subMchId))
        throw badRequest('subMchId must be a merchant number (digits)');
      const reason = optionalString(body, 'reason');
      if (reason !== undefined && Buffer.byteLength(reason) > REASON_MAX_BYTES)
        throw badRequest(`reason must be at most ${REASON_MAX_BYTES} bytes`);
      return sendJson(res, 200, {
        refund: pay.merchantRefund({
          outTradeNo: requireString(body, 'outTradeNo'),
          subMchId,
          refundFee: wholeNumber('refundFee', body.refundFee, 1),
          reason,
        }),
      });
    }
    case 'GET faults':
      return sendJson(res, 200, pay.faults());
    case 'DELETE faults':
      pay.clearFaults();
      return sendJson(res, 200, pay.faults());
    case 'POST faults': {
      const body = await readJson(req);
      if (body.afterProcessing !== undefined && typeof body.afterProcessing !== 'boolean') {
        throw badRequest('afterProcessing must be true or false');
      }
      const fault = pay.injectFault({
        api: requireString(body, 'api'),
        error: requireString(body, 'error'),
        count: wholeNumber('count', body.count, 1, 1)!,
        afterProcessing: body.afterProcessing === true,
        // SLOW's: the pay service says what else it must be, and whether the error takes one.
        delayMs: wholeNumber('delayMs', body.delayMs, 1),
      });
      return sendJson(res, 200, { fault });
    }
    case 'POST callbacks': {
      const body = await readJson(req);
      const mode = oneOf('mode', body.mode, CALLBACK_MODES);
      if (!mode) throw badRequest(`mode must be one of ${CALLBACK_MODES.join(', ')}`);
      const delayMs = wholeNumber('delayMs', body.delayMs, 1);
      if (mode === 'delay' && delayMs === undefined)
        throw badRequest('mode delay needs delayMs, a whole number ≥ 1');
      if (mode !== 'delay' && delayMs !== undefined)
        throw badRequest(`delayMs applies to mode delay, not ${mode}`);
      const fault = pay.injectCallbackFault({
        mode,
        kind: oneOf('kind', body.kind, KINDS),
        count: wholeNumber('count', body.count, 1, 1)!,
        delayMs,
      });
      return sendJson(res, 200, { fault });
    }
    case 'POST callbacks/release': {
      const body = await readJson(req);
      return sendJson(res, 200, {
        released: pay.releaseHeldCallbacks(oneOf('order', body.order, RELEASE_ORDERS, 'fifo')),
      });
    }
    case 'POST callbacks/resend': {
      const body = await readJson(req);
      const id = wholeNumber('id', body.id, 1);
      if (id === undefined) throw badRequest('id (a notification id, ≥ 1) is required');
      if (!pay.resendCallback(id)) {
        throw new SandboxError(
          'NOT_FOUND',
          `no notification ${id} to re-send (unknown, or being delivered now)`,
          404,
        );
      }
      return sendJson(res, 200, { resent: true });
    }
    case 'POST settle':
      await pay.settle();
      return sendJson(res, 200, { settled: true });
    case 'GET config':
      return sendJson(res, 200, pay.config());
    case 'POST config': {
      const body = await readJson(req);
      const problem = configPatchProblem(body);
      if (problem) throw badRequest(problem);
      return sendJson(res, 200, pay.configure(body as Partial<PayConfig>));
    }
    default:
      throw new SandboxError('NOT_FOUND', `no pay route ${route} (routes: ${ROUTES})`, 404);
  }
}
