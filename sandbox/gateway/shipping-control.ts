/**
 * Shipping controls (/sandbox/shipping): the emulation's settings, the orders as WeChat sees them,
 * the payer's confirm receipt (the weappOrderConfirm view's stand-in), the message pushes and a way
 * to push one now. Bad input is a 400 naming the valid values; an unknown order a 404.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { badRequest, oneOf, optionalString, readJson, requireString, sendJson } from '../http';
import type { Sandbox } from '../server';
import { SHIPPING_EVENTS } from '../shipping';
import { WxRefusal } from '../shipping/errors';

const STATES = ['1', '2', '3', '4', '5', '6'] as const;
const ROUTES = 'GET config|orders|events, POST config|confirm|events/emit|settle';

export async function handleShippingControl(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
): Promise<void> {
  const shipping = sandbox.shipping;
  const route = `${req.method ?? 'GET'} ${rest.join('/')}`;
  const q = new URL(req.url ?? '/', 'http://sandbox').searchParams;
  const param = (k: string) => q.get(k) || undefined;
  switch (route) {
    case 'GET config':
      return sendJson(res, 200, shipping.config());
    case 'POST config': {
      const problem = shipping.configure(await readJson(req));
      if (problem) throw badRequest(problem);
      return sendJson(res, 200, shipping.config());
    }
    case 'GET orders': {
      const state = oneOf('state', param('state'), STATES);
      return sendJson(res, 200, {
        orders: shipping.orders({
          state: state === undefined ? undefined : Number(state),
          openid: param('openid'),
          transactionId: param('transactionId'),
          outTradeNo: param('outTradeNo'),
        }),
      });
    }
    case 'POST confirm': {
      const body = await readJson(req);
      const transactionId = optionalString(body, 'transaction_id');
      const mchid = optionalString(body, 'mchid') ?? optionalString(body, 'merchant_id');
      const outTradeNo = optionalString(body, 'merchant_trade_no') ?? optionalString(body, 'out_trade_no');
      if (!transactionId && !(mchid && outTradeNo))
        throw badRequest('transaction_id, or merchant_trade_no and mchid, is required');
      const openid = requireString(body, 'openid');
      return sendJson(
        res,
        200,
        shipping.confirm({ transactionId, mchid, outTradeNo }, openid, sandbox.appId),
      );
    }
    case 'GET events':
      return sendJson(res, 200, {
        events: shipping.events({
          event: oneOf('event', param('event'), SHIPPING_EVENTS),
          transactionId: param('transactionId'),
        }),
      });
    case 'POST events/emit': {
      const body = await readJson(req);
      const event = oneOf('event', body.event, SHIPPING_EVENTS);
      if (!event) throw badRequest(`event must be one of ${SHIPPING_EVENTS.join(', ')}`);
      const transactionId = optionalString(body, 'transaction_id');
      if (!transactionId && event !== 'trade_manage_remind_access_api')
        throw badRequest(`${event} needs transaction_id (a paid order's)`);
      try {
        return sendJson(res, 200, { event: await shipping.emit(event, transactionId, sandbox.appId) });
      } catch (err) {
        if (err instanceof WxRefusal)
          throw new SandboxError('NOT_FOUND', `no paid order ${transactionId} that WeChat knows of yet`, 404);
        throw err;
      }
    }
    case 'POST settle':
      await shipping.settle();
      return sendJson(res, 200, { settled: true });
    default:
      throw new SandboxError('NOT_FOUND', `no shipping route ${route} (routes: ${ROUTES})`, 404);
  }
}
