/**
 * What can be done to an order now, through the routes the CLI uses: act as the payer on its open
 * prepay (`POST /sandbox/pay/act`), query or close it as its owner and refund it as an admin (the
 * kit's functions through `/gateway/call`; a query recovers a lost callback), resend a notification (`POST /sandbox/pay/callbacks/resend`).
 */
import { useState } from 'preact/hooks';
import type { OrderTimeline } from '../../../../typings/sandbox/dashboard';
import { ApiError, callAs, get, post } from '../api';
import type { Overview } from '../../../../typings/sandbox/dashboard';
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
  const refundable = o.totalFee - o.refundedFee;
  const [fee, setFee] = useState(String(refundable));
  const canRefund = o.status === 'SUCCESS' || o.status === 'REFUND';
  const canClose = o.status === 'NOTPAY';
  const submitRefund = (e: Event) => {
    e.preventDefault();
    // Sent as typed: the kit's refund function judges the amount (INVALID_PARAM, more than paid…).
    const refundFee = /^\d+$/.test(fee.trim()) ? Number(fee.trim()) : Number.NaN;
    void attempt(() => refundAsAdmin(o.orderNo, refundFee), s.done);
  };
  const none = !prepay && !canClose && !canRefund && !timeline.notifications.length;
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
        {o.status === 'NOTPAY' && (
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
        <form class="row" onSubmit={submitRefund}>
          <label>
            {s.refundFee}{' '}
            <input
              name="refundFee"
              inputMode="numeric"
              value={fee}
              onInput={(e) => setFee((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" data-action="refund">
            {s.refund}
          </button>
        </form>
      )}
    </section>
  );
}
