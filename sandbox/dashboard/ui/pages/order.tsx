/**
 * One order: its facts, the actions that fit its state, and its timeline (assembled on the server,
 * `GET /sandbox/dashboard/orders/<orderNo>`), refreshed live as the order, its trades and its
 * notifications change.
 */
import type { MismatchedPaymentView, OrderTimeline } from '../../../../typings/sandbox/dashboard';
import { get } from '../api';
import { useLiveData } from '../data';
import { beijingTime, yuan } from '../format';
import { strings } from '../strings';
import { OrderActions } from './order-actions';
import { MismatchedTag, orderStateLabel, RefundedOutsideTag, StateTag } from './orders';
import { Timeline } from './timeline';
import { errorMessage } from '../errors';

export function OrderPage({ id }: { id: string }) {
  const s = strings();
  const { data, error } = useLiveData(
    () => get<OrderTimeline>(`/sandbox/dashboard/orders/${encodeURIComponent(id)}`),
    [id],
    ['order', 'trade', 'notification', 'invocation', 'clock'],
  );
  if (error) return <p class="error-text">{`${error.code}: ${errorMessage(error)}`}</p>;
  if (!data) return <p class="muted">{s.loading}</p>;
  const o = data.order;
  return (
    <div class="order-page" data-order={o.orderNo} data-status={o.status}>
      <h1>
        <code>{o.orderNo}</code> <StateTag state={o.status} label={orderStateLabel(o.status)} />
        <RefundedOutsideTag order={o} />
        {o.mismatchedPayment && <MismatchedTag payment={o.mismatchedPayment} />}
      </h1>
      <div class="order-grid">
        <section class="panel" aria-labelledby="timeline-title">
          <h2 id="timeline-title">{s.timeline}</h2>
          <Timeline entries={data.entries} />
        </section>
        <aside>
          <section class="panel">
            <dl class="facts">
              <div>
                <dt>{s.amount}</dt>
                <dd>
                  {yuan(o.totalFee)}
                  {o.refundedFee > 0 && ` (${s.refunded} ${yuan(o.refundedFee)})`}
                </dd>
              </div>
              <div>
                <dt>{s.description}</dt>
                <dd>{o.items.map((i) => `${i.name} ×${i.quantity}`).join('、')}</dd>
              </div>
              <div>
                <dt>{s.user}</dt>
                <dd>
                  <code>{o.openid}</code>
                </dd>
              </div>
              <div>
                <dt>{s.createdAt}</dt>
                <dd>{beijingTime(o.createdAt)}</dd>
              </div>
              {o.mismatchedPayment && <MismatchedFacts payment={o.mismatchedPayment} />}
              {o.transactionId && (
                <div>
                  <dt>{s.transactionId}</dt>
                  <dd>
                    <code>{o.transactionId}</code>
                  </dd>
                </div>
              )}
            </dl>
          </section>
          <OrderActions timeline={data} />
        </aside>
      </div>
    </div>
  );
}

/**
 * What WeChat said of the payment that does not match the order (never recorded as its payment):
 * what it took and its trade state, its transaction and trade numbers, and the merchant it named.
 */
function MismatchedFacts({ payment }: { payment: MismatchedPaymentView }) {
  const s = strings();
  return (
    <div data-mismatched-payment={payment.outTradeNo}>
      <dt>{s.mismatched}</dt>
      <dd>
        {payment.totalFee !== undefined && `${yuan(payment.totalFee)} · `}
        {s.state[payment.state] ?? payment.state} · <code>{payment.transactionId}</code> ·{' '}
        <code>{payment.outTradeNo}</code>
        {payment.merchantId && (
          <>
            {' · '}
            <code>{payment.merchantId}</code>
          </>
        )}
      </dd>
    </div>
  );
}
