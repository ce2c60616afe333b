/**
 * Pay controls, Stripe-test-mode style: act as the payer, read trades, notifications and every
 * callback delivery, inject API and callback faults, hold and release (reorder) callbacks, and
 * read or change the emulator's settings.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { readJson, requireString, sendJson } from '../http';
import type { Sandbox } from '../server';
import type { PayConfig } from '../pay/config';

const PAYER_ACTIONS = ['pay', 'cancel', 'fail', 'notenough', 'slow'] as const;
const CALLBACK_MODES = ['drop', 'delay', 'duplicate', 'hold'] as const;

export async function handlePayControl(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
) {
  const pay = sandbox.pay;
  const method = req.method ?? 'GET';
  const q = new URL(req.url ?? '/', 'http://sandbox').searchParams;
  const param = (k: string) => q.get(k) ?? undefined;
  const route = `${method} ${rest.join('/')}`;

  switch (route) {
    case 'GET trades':
      return sendJson(res, 200, {
        trades: pay.trades({
          outTradeNo: param('outTradeNo'),
          state: param('state'),
          subMchId: param('subMchId'),
        }),
      });
    case 'GET notifications':
      return sendJson(res, 200, { notifications: pay.notifications({ outTradeNo: param('outTradeNo') }) });
    case 'GET deliveries': {
      const kind = param('kind');
      return sendJson(res, 200, {
        deliveries: pay.deliveries({
          outTradeNo: param('outTradeNo'),
          outRefundNo: param('outRefundNo'),
          kind: kind === 'payment' || kind === 'refund' ? kind : undefined,
        }),
      });
    }
    case 'POST act': {
      const body = await readJson(req);
      const action = PAYER_ACTIONS.find((a) => a === (body.action ?? 'pay'));
      if (!action)
        throw new SandboxError('INVALID_PARAM', `action must be one of ${PAYER_ACTIONS.join(', ')}`, 400);
      return sendJson(
        res,
        200,
        await pay.act({
          package: requireString(body, 'package'),
          openid: requireString(body, 'openid'),
          action,
        }),
      );
    }
    case 'GET faults':
      return sendJson(res, 200, pay.faults());
    case 'DELETE faults':
      pay.clearFaults();
      return sendJson(res, 200, pay.faults());
    case 'POST faults': {
      const body = await readJson(req);
      const fault = pay.injectFault({
        api: requireString(body, 'api'),
        error: requireString(body, 'error'),
        count: positive(body.count, 1),
        afterProcessing: body.afterProcessing === true,
      });
      return sendJson(res, 200, { fault });
    }
    case 'POST callbacks': {
      const body = await readJson(req);
      const mode = CALLBACK_MODES.find((m) => m === body.mode);
      if (!mode)
        throw new SandboxError('INVALID_PARAM', `mode must be one of ${CALLBACK_MODES.join(', ')}`, 400);
      const kind = body.kind === 'payment' || body.kind === 'refund' ? body.kind : undefined;
      const fault = pay.injectCallbackFault({
        mode,
        kind,
        count: positive(body.count, 1),
        delayMs: body.delayMs === undefined ? undefined : positive(body.delayMs, 0),
      });
      return sendJson(res, 200, { fault });
    }
    case 'POST callbacks/release': {
      const body = await readJson(req);
      return sendJson(res, 200, {
        released: pay.releaseHeldCallbacks(body.order === 'reverse' ? 'reverse' : 'fifo'),
      });
    }
    case 'POST callbacks/resend': {
      const body = await readJson(req);
      return sendJson(res, 200, { resent: pay.resendCallback(positive(body.id, 0)) });
    }
    case 'POST settle':
      await pay.settle();
      return sendJson(res, 200, { settled: true });
    case 'GET config':
      return sendJson(res, 200, pay.config());
    case 'POST config': {
      const body = await readJson(req);
      return sendJson(res, 200, pay.configure(body as Partial<PayConfig>));
    }
    default:
      throw new SandboxError('NOT_FOUND', `no pay route ${route}`, 404);
  }
}

function positive(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new SandboxError('INVALID_PARAM', 'counts and ids must be non-negative whole numbers', 400);
  }
  return value;
}
