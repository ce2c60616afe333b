/**
 * Overview: the sandbox clock with its controls, orders counted by state (each a link to the
 * filtered list), the active faults and callback modes, the local users, and where to go next.
 */
import type { OrdersPage, Overview } from '../../../../typings/sandbox/dashboard';
import { ORDER_STATUSES } from '../../shared';
import { get } from '../api';
import { ClockPanel } from '../clock';
import { useLiveData } from '../data';
import { href } from '../router';
import { strings } from '../strings';
import { orderStateLabel, OrdersTable } from './orders';
import { errorMessage } from '../errors';

export function OverviewPage() {
  const { data, error } = useLiveData(
    () => get<Overview>('/sandbox/dashboard/overview'),
    [],
    ['order', 'clock', 'faults'],
  );
  const s = strings();
  if (error) return <p class="error-text">{`${error.code}: ${errorMessage(error)}`}</p>;
  if (!data) return <p class="muted">{s.loading}</p>;
  return (
    <div class="grid">
      <ClockPanel clock={data.clock} />
      <section class="panel" aria-labelledby="counts-title">
        <h2 id="counts-title">{s.countsByState}</h2>
        <ul class="counts">
          {ORDER_STATUSES.map((status) => (
            <li key={status}>
              <a href={href(['orders'], { status })} class={`count state-${status}`} data-status={status}>
                <span class="count-n">{data.counts[status]}</span>
                <span class="count-label">{orderStateLabel(status)}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section class="panel" aria-labelledby="faults-title">
        <h2 id="faults-title">{s.activeFaults}</h2>
        <FaultList faults={data.faults} />
      </section>
      <RecentOrders />
      <section class="panel" aria-labelledby="users-title">
        <h2 id="users-title">{s.localUsers}</h2>
        <dl class="facts">
          {data.users.map((u) => (
            <div key={u.openid}>
              <dt>{u.name}</dt>
              <dd>
                <a href={href(['orders'], { openid: u.openid })}>
                  <code>{u.openid}</code>
                </a>
                {u.admin && <span class="tag">{s.admin}</span>}
              </dd>
            </div>
          ))}
          <div>
            <dt>{s.provider}</dt>
            <dd data-provider={data.provider}>{data.provider === 'apiv3' ? 'APIv3' : 'cloudPay'}</dd>
          </div>
          <div>
            <dt>{s.envId}</dt>
            <dd>
              <code>{data.envId}</code>
            </dd>
          </div>
        </dl>
      </section>
    </div>
  );
}

/** The newest orders, live: where a developer looks first after buying in DevTools. */
function RecentOrders() {
  const s = strings();
  const { data } = useLiveData(() => get<OrdersPage>('/sandbox/dashboard/orders?limit=6'), [], ['order']);
  return (
    <section class="panel span-2" aria-labelledby="recent-title">
      <h2 id="recent-title">
        <a href={href(['orders'])}>{s.recentOrders}</a>
      </h2>
      {!data && <p class="muted">{s.loading}</p>}
      {data && !data.orders.length && <p class="muted">{s.empty}</p>}
      {data && data.orders.length > 0 && <OrdersTable rows={data.orders} />}
    </section>
  );
}

function FaultList({ faults }: { faults: Overview['faults'] }) {
  const s = strings();
  if (!faults.api.length && !faults.callbacks.length) return <p class="muted">{s.noFaults}</p>;
  return (
    <ul class="plain">
      {faults.api.map((f) => (
        <li key={`a${f.id}`} data-fault="api">
          {s.apiFault}: <code>{f.api}</code> → <code>{f.error}</code> ×{f.remaining}
        </li>
      ))}
      {faults.callbacks.map((f) => (
        <li key={`c${f.id}`} data-fault="callback">
          {s.callbackFault}: <code>{f.mode}</code> {f.kind ?? ''} ×{f.remaining}
        </li>
      ))}
    </ul>
  );
}
