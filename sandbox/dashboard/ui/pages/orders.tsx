/**
 * Orders (the kit's `paykit_orders`): filter by state, user and Beijing day (kept in the address,
 * so a filtered list can be reloaded or shared), newest first, one server page at a time with
 * "load more"; the first page refreshes itself when an order changes.
 */
import { useState } from 'preact/hooks';
import type {
  MismatchedPaymentView,
  OrderRow,
  OrdersPage as Page,
} from '../../../../typings/sandbox/dashboard';
import { ORDER_STATUSES } from '../../shared';
import { get, query } from '../api';
import { useLiveData } from '../data';
import { beijingTime, yuan } from '../format';
import { href } from '../router';
import { FilterForm, FilterSelect } from '../filters';
import { fill, strings } from '../strings';
import { showError } from '../toast';
import type { PageProps } from './index';
import { errorMessage } from '../errors';

const ordersUrl = (p: Record<string, string | undefined>) => `/sandbox/dashboard/orders${query(p)}`;

export function OrdersPage({ route }: PageProps) {
  const s = strings();
  const filter = {
    status: route.params.get('status') ?? undefined,
    openid: route.params.get('openid') ?? undefined,
    day: route.params.get('day') ?? undefined,
  };
  const key = JSON.stringify(filter);
  const first = useLiveData(() => get<Page>(ordersUrl(filter)), [key], ['order']);
  // Older pages fetched with "load more", for this filter.
  const [older, setOlder] = useState<{ key: string; rows: OrderRow[]; cursor: string | null }>({
    key,
    rows: [],
    cursor: null,
  });
  const extra = older.key === key ? older : { key, rows: [], cursor: null };
  const cursor = extra.rows.length ? extra.cursor : (first.data?.nextCursor ?? null);
  const loadMore = () => {
    if (!cursor) return;
    get<Page>(ordersUrl({ ...filter, cursor })).then(
      (page) => setOlder({ key, rows: [...extra.rows, ...page.orders], cursor: page.nextCursor }),
      showError,
    );
  };
  const rows = [...(first.data?.orders ?? []), ...extra.rows];
  return (
    <section class="panel">
      <h1>{s.orders}</h1>
      <FilterForm route="orders" key={key}>
        <FilterSelect
          label={s.status}
          name="status"
          value={filter.status}
          choices={ORDER_STATUSES.map((st) => ({ value: st, label: orderStateLabel(st) }))}
        />
        <label>
          {s.user} <input name="openid" defaultValue={filter.openid ?? ''} placeholder="openid" />
        </label>
        <label>
          {s.day} <input name="day" type="date" defaultValue={filter.day ?? ''} />
        </label>
      </FilterForm>
      {first.error && <p class="error-text">{`${first.error.code}: ${errorMessage(first.error)}`}</p>}
      {!first.data && !first.error && <p class="muted">{s.loading}</p>}
      {first.data && (
        <>
          <p class="muted" data-total={first.data.total}>
            {fill(s.total, { n: first.data.total })}
          </p>
          {rows.length ? <OrdersTable rows={rows} /> : <p class="muted">{s.empty}</p>}
          {cursor && (
            <button type="button" class="secondary" onClick={loadMore}>
              {s.more}
            </button>
          )}
        </>
      )}
    </section>
  );
}

export function OrdersTable({ rows }: { rows: OrderRow[] }) {
  const s = strings();
  return (
    <table class="table orders">
      <thead>
        <tr>
          <th scope="col">{s.orderNo}</th>
          <th scope="col">{s.status}</th>
          <th scope="col" class="num">
            {s.amount}
          </th>
          <th scope="col">{s.description}</th>
          <th scope="col">{s.user}</th>
          <th scope="col">{s.createdAt}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((o) => (
          <tr key={o.orderNo} data-order={o.orderNo} data-status={o.status}>
            <td>
              <a href={href(['orders', o.orderNo])}>
                <code>{o.orderNo}</code>
              </a>
            </td>
            <td>
              <StateTag state={o.status} label={orderStateLabel(o.status)} />
              <RefundedOutsideTag order={o} />
              {o.mismatchedPayment && <MismatchedTag payment={o.mismatchedPayment} />}
            </td>
            <td class="num">
              {yuan(o.totalFee)}
              {o.refundedFee > 0 && <small class="muted"> −{yuan(o.refundedFee)}</small>}
            </td>
            <td>{o.description}</td>
            <td>
              <code class="openid">{o.openid}</code>
            </td>
            <td>{beijingTime(o.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A state's tag: WeChat's trade state by default, or the `label` given (an order's, orderStateLabel). */
export function StateTag({ state, label }: { state: string; label?: string }) {
  return (
    <span class={`state state-${state}`} data-state={state}>
      {label ?? strings().state[state] ?? state}
    </span>
  );
}

/**
 * An order status as the kit means it: the same words as WeChat's trade states, but for PAYERROR,
 * which is the kit's own (WeChat took a payment that does not match the order), not WeChat's 支付失败.
 */
export function orderStateLabel(status: string): string {
  const s = strings();
  return status === 'PAYERROR' ? s.orderPayError : (s.state[status] ?? status);
}

/** WeChat took a payment for the order that does not match it: what it took, as WeChat said. */
export function MismatchedTag({ payment }: { payment: MismatchedPaymentView }) {
  return (
    <span class="tag mismatched" data-mismatched={payment.outTradeNo}>
      {strings().mismatched}
      {payment.totalFee !== undefined && ` ${yuan(payment.totalFee)}`}
    </span>
  );
}

/**
 * Refunded on the merchant platform: before the kit recorded the payment (refundedOutside: the kit
 * refunds none of it), or after, the refund recorded on the order (refundedOnPlatform: the kit
 * refunds what is left). Nothing for an order with neither.
 */
export function RefundedOutsideTag({
  order,
}: {
  order: Pick<OrderRow, 'refundedOutside' | 'refundedOnPlatform'>;
}) {
  if (!order.refundedOutside && !order.refundedOnPlatform) return null;
  const marker = order.refundedOutside
    ? { 'data-refunded-outside': '' }
    : { 'data-refunded-on-platform': '' };
  return (
    <span class="tag refunded-outside" {...marker}>
      {strings().refundedOutside}
    </span>
  );
}
