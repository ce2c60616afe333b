/**
 * What can be done to an order now, through the routes the CLI uses: act as the payer on its open
 * prepay (`POST /sandbox/pay/act`), query or close it as its owner and refund it as an admin (the
 * kit's functions through `/gateway/call`; a query recovers a lost callback, or a payment not
 * matching the order refunded on the merchant platform), resend a notification (`POST /sandbox/pay/callbacks/resend`),
 * and refund a paid trade as the merchant on the merchant platform, behind the kit's back
 * (`POST /sandbox/pay/refunds`, the CLI's `platform-refund`).
 */
import { useState } from 'preact/hooks';
import type { OrderTimeline, PlatformRefundable } from '../../../../typings/sandbox/dashboard';
import { ApiError, callAs, get, post } from '../api';
import type { Overview } from '../../../../typings/sandbox/dashboard';
import { NumberInput } from '../number-input';
import { strings } from '../strings';
import { attempt } from '../toast';

/** The pay sheet's answer: `requestPayment:ok`, or a failure shown like a server error. */
async function act(pkg: string, openid: string, action: 'pay' | 'cancel' | 'fail'): Promise<void> {
  const { errMsg } = await post<{ errMsg: string }>('/sandbox/pay/act', { package: pkg, openid, action });
  if (errMsg !== 'requestPayment:ok' && !(action === 'cancel' && errMsg === 'requestPayment:fail cancel')) {
    throw new ApiError('PAYMENT_FAILED', errMsg);
  }
}

async function refundAsAdmin(orderNo: string, refundFee: number): Promise<void> {
  const { users } = await get<Overview>('/sandbox/dashboard/overview');
  const admin = users.find((u) => u.admin);
  if (!admin) throw new ApiError('NO_ADMIN', 'no local user is a merchant admin (PAYKIT_ADMIN_OPENIDS)');
  await callAs(admin.openid, 'refund', { orderNo, refundFee });
}

export function OrderActions({ timeline }: { timeline: OrderTimeline }) {
  const s = strings();
  const o = timeline.order;
  const prepay = timeline.openPrepay;
  // The kit refuses to refund an order refunded on the merchant platform: it never held that payment.
  const canRefund = (o.status === 'SUCCESS' || o.status === 'REFUND') && !o.refundedOutside;
  const refundable = refundableFee(timeline);
  const canClose = o.status === 'NOTPAY';
  const platform = timeline.platformRefundable;
  const none = !prepay && !canClose && !canRefund && !platform.length && !timeline.notifications.length;
  return (
    <section class="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">{s.actions}</h2>
      {none && <p class="muted">{s.noActions}</p>}
      <div class="row">
        {prepay && (
          <>
            <button
              type="button"
              data-action="pay"
              onClick={() => attempt(() => act(prepay.package, o.openid, 'pay'))}
            >
              {s.payAsPayer}
            </button>
            <button
              type="button"
              class="secondary"
              data-action="cancel"
              onClick={() => attempt(() => act(prepay.package, o.openid, 'cancel'))}
            >
              {s.cancelAsPayer}
            </button>
            <button
              type="button"
              class="secondary"
              data-action="fail"
              onClick={() => attempt(() => act(prepay.package, o.openid, 'fail'))}
            >
              {s.failAsPayer}
            </button>
          </>
        )}
        {canClose && (
          <button
            type="button"
            class="danger"
            data-action="close"
            onClick={() => attempt(() => callAs(o.openid, 'closeOrder', { orderNo: o.orderNo }), s.done)}
          >
            {s.closeOrder}
          </button>
        )}
        {/* The kit asks WeChat on a query while the order is unpaid, or held for a payment not
            matching it (refunded on the merchant platform since, it moves on). */}
        {(o.status === 'NOTPAY' || o.status === 'PAYERROR') && (
          <button
            type="button"
            class="secondary"
            data-action="query"
            onClick={() => attempt(() => callAs(o.openid, 'queryOrder', { orderNo: o.orderNo }))}
          >
            {s.queryOrder}
          </button>
        )}
        {timeline.notifications.map((n) => (
          <button
            key={n.id}
            type="button"
            class="secondary"
            data-action="resend"
            onClick={() => attempt(() => post('/sandbox/pay/callbacks/resend', { id: n.id }), s.done)}
          >
            {`${s.resend} #${n.id}`}
          </button>
        ))}
      </div>
      {canRefund && (
        // Keyed by what is left: after a refund (the kit's, or one made on the merchant platform and
        // recorded since) the field starts again from the new remainder.
        <KitRefundForm key={refundable} orderNo={o.orderNo} refundable={refundable} />
      )}
      {platform.map((t) => (
        // Keyed by what is left: after a refund the field starts again from the new remainder.
        <PlatformRefundForm
          key={`${t.outTradeNo}/${t.refundableFee}`}
          trade={t}
          named={platform.length > 1}
        />
      ))}
    </section>
  );
}

/**
 * What the kit still refunds of the order, as its refundableFee counts it: the paid amount less every
 * refund not known to have failed, those made on the merchant platform and recorded among them.
 */
function refundableFee({ order }: OrderTimeline): number {
  const held = order.refunds.filter((r) => r.status !== 'FAILED').reduce((sum, r) => sum + r.refundFee, 0);
  return Math.max(0, order.totalFee - held);
}

/** The kit's refund, as the merchant admin asks for it; `refundable` is what the field starts from. */
function KitRefundForm({ orderNo, refundable }: { orderNo: string; refundable: number }) {
  const s = strings();
  const [fee, setFee] = useState(String(refundable));
  const submit = (e: Event) => {
    e.preventDefault();
    // Sent as typed: the kit's refund function judges the amount (INVALID_PARAM, more than paid…).
    const refundFee = /^\d+$/.test(fee.trim()) ? Number(fee.trim()) : Number.NaN;
    void attempt(() => refundAsAdmin(orderNo, refundFee), s.done);
  };
  return (
    <form class="row" onSubmit={submit}>
      <label>
        {s.refundFee} <NumberInput name="refundFee" value={fee} onValue={setFee} />
      </label>
      <button type="submit" data-action="refund">
        {s.refund}
      </button>
    </form>
  );
}

/**
 * A refund made by hand on the merchant platform, as a person reproduces "the merchant refunded it
 * there" (for instance after the payment's callback was dropped): WeChat's refund rules judge it, and
 * a refusal (409 REFUND_REFUSED) shows WeChat's reason. `named`: the order has more than one such trade.
 */
function PlatformRefundForm({ trade, named }: { trade: PlatformRefundable; named: boolean }) {
  const s = strings();
  const [fee, setFee] = useState(String(trade.refundableFee));
  const submit = (e: Event) => {
    e.preventDefault();
    // Anything but a whole number goes as typed, for the route to refuse naming the field: an empty
    // field must not become the route's default, a refund of everything that is left.
    const text = fee.trim();
    const refundFee = /^\d+$/.test(text) ? Number(text) : text;
    const ask = { outTradeNo: trade.outTradeNo, subMchId: trade.subMchId, refundFee };
    void attempt(() => post('/sandbox/pay/refunds', ask), s.done);
  };
  return (
    <form class="row" onSubmit={submit} data-trade={trade.outTradeNo}>
      <label>
        {s.platformRefundFee}
        {named && (
          <>
            {' '}
            <code>{trade.outTradeNo}</code>
          </>
        )}{' '}
        <NumberInput name="platformRefundFee" value={fee} onValue={setFee} />
      </label>
      <button type="submit" class="secondary" data-action="platform-refund">
        {s.platformRefund}
      </button>
      <small class="muted">{s.platformRefundHint}</small>
    </form>
  );
}
