/**
 * Callbacks: every notification of both pay APIs (payments and refunds) with its delivery attempts,
 * the chosen one's retry schedule on a time axis, and the controls the CLI has: disturb the next
 * callbacks (drop, delay, duplicate, hold), release the held ones, resend one. Live: a new attempt,
 * a fault used up or the clock moving redraws it.
 */
import { useState } from 'preact/hooks';
import type { DeliveryView, NotificationView } from '../../../../typings/sandbox/callbacks';
import type { Overview } from '../../../../typings/sandbox/dashboard';
import type { FaultChoices, PayConfigView } from '../../../../typings/sandbox/dashboard-tools';
import { get, post } from '../api';
import { useLiveData } from '../data';
import { beijingTime } from '../format';
import { href } from '../router';
import { fill, strings } from '../strings';
import { attempt, showDone } from '../toast';
import type { PageProps } from './index';
import { RetryAxis } from './retry-axis';
import { errorMessage } from '../errors';

/** A kit attempt's outTradeNo → its order (PK + 22 digits). */
const orderOf = (outTradeNo: string) => (/^PK\d{22}A\d+$/.test(outTradeNo) ? outTradeNo.slice(0, 24) : null);

interface CallbacksData {
  notifications: NotificationView[];
  deliveries: DeliveryView[];
  now: number;
  faults: Overview['faults'];
}

/** What changes as callbacks are delivered: loaded again on every live event of those kinds. */
async function load(): Promise<CallbacksData> {
  const [n, d, clock, faults] = await Promise.all([
    get<{ notifications: NotificationView[] }>('/sandbox/pay/notifications'),
    get<{ deliveries: DeliveryView[] }>('/sandbox/pay/deliveries'),
    get<{ now: number }>('/sandbox/clock'),
    get<Overview['faults']>('/sandbox/pay/faults'),
  ]);
  return {
    notifications: n.notifications.slice().reverse(),
    deliveries: d.deliveries,
    now: clock.now,
    faults,
  };
}

/** What does not change while the page is open: the retry schedule and the fault choices. */
async function loadSettings(): Promise<{ schedule: number[]; choices: FaultChoices }> {
  const [config, choices] = await Promise.all([
    get<PayConfigView>('/sandbox/pay/config'),
    get<FaultChoices>('/sandbox/dashboard/fault-choices'),
  ]);
  return { schedule: config.retryScheduleMs, choices };
}

export function CallbacksPage({ route }: PageProps) {
  const s = strings();
  const { data, error } = useLiveData(load, [], ['notification', 'faults', 'clock']);
  const settings = useLiveData(loadSettings, [], []);
  const picked = Number(route.params.get('n'));
  const failure = error ?? settings.error;
  if (failure) return <p class="error-text">{`${failure.code}: ${errorMessage(failure)}`}</p>;
  if (!data || !settings.data) return <p class="muted">{s.loading}</p>;
  const { schedule, choices } = settings.data;
  const chosen = data.notifications.find((n) => n.id === picked) ?? data.notifications[0];
  return (
    <div class="stack tools callbacks-page">
      <h1>{s.cbTitle}</h1>
      <div class="grid">
        <DisturbForm modes={choices.callbackModes} kinds={choices.callbackKinds} />
        <section class="panel" aria-labelledby="armed-title">
          <h2 id="armed-title">{s.cbArmed}</h2>
          {!data.faults.callbacks.length && <p class="muted">{s.noFaults}</p>}
          <ul class="plain">
            {data.faults.callbacks.map((f) => (
              <li key={f.id} data-callback-fault={f.mode}>
                {s.cbModes[f.mode]} {f.kind ? s.cbKinds[f.kind] : s.cbBoth} ×{f.remaining}
                {f.mode === 'delay' && ` (${f.delayMs / 1000}s)`}
              </li>
            ))}
          </ul>
          <div class="row">
            <button type="button" data-action="release" onClick={() => release('fifo')}>
              {s.cbRelease}
            </button>
            <button type="button" class="secondary" onClick={() => release('reverse')}>
              {s.cbReleaseReverse}
            </button>
          </div>
        </section>
      </div>
      {chosen && (
        <section class="panel" aria-labelledby="axis-title">
          <h2 id="axis-title">{fill(s.cbScheduleOf, { id: chosen.id })}</h2>
          <RetryAxis
            notification={chosen}
            deliveries={data.deliveries.filter((d) => d.notificationId === chosen.id)}
            schedule={schedule}
            now={data.now}
          />
          <DeliveryList deliveries={data.deliveries.filter((d) => d.notificationId === chosen.id)} />
        </section>
      )}
      <section class="panel" aria-labelledby="notifications-title">
        <h2 id="notifications-title">{s.cbNotifications}</h2>
        {!data.notifications.length && <p class="muted">{s.empty}</p>}
        {data.notifications.length > 0 && (
          <NotificationTable notifications={data.notifications} chosen={chosen?.id} />
        )}
      </section>
    </div>
  );
}

function release(order: 'fifo' | 'reverse') {
  void attempt(async () => {
    const { released } = await post<{ released: number }>('/sandbox/pay/callbacks/release', { order });
    showDone(fill(strings().cbReleased, { n: released }));
  });
}

function DisturbForm({ modes, kinds }: { modes: readonly string[]; kinds: readonly string[] }) {
  const s = strings();
  const [mode, setMode] = useState(modes[0] ?? 'drop');
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const whole = (k: string) =>
      /^\d+$/.test(String(form.get(k) ?? '')) ? Number(form.get(k)) : form.get(k);
    const delay = whole('delaySeconds');
    const body = {
      mode,
      count: whole('count'),
      kind: String(form.get('kind') ?? '') || undefined,
      // Sent as typed: the pay control judges the values and answers what is expected.
      ...(mode === 'delay' ? { delayMs: typeof delay === 'number' ? delay * 1000 : delay } : {}),
    };
    void attempt(() => post('/sandbox/pay/callbacks', body), s.done);
  };
  return (
    <form class="panel stack" onSubmit={submit} aria-labelledby="disturb-title">
      <h2 id="disturb-title">{s.cbDisturb}</h2>
      <label>
        {s.cbMode}{' '}
        <select name="mode" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value)}>
          {modes.map((m) => (
            <option key={m} value={m}>
              {s.cbModes[m] ?? m}
            </option>
          ))}
        </select>
      </label>
      <label>
        {s.cbKind}{' '}
        <select name="kind">
          <option value="">{s.cbBoth}</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {s.cbKinds[k] ?? k}
            </option>
          ))}
        </select>
      </label>
      <label>
        {s.cbCount} <input name="count" inputMode="numeric" defaultValue="1" />
      </label>
      {mode === 'delay' && (
        <label>
          {s.cbDelaySeconds} <input name="delaySeconds" inputMode="numeric" defaultValue="60" />
        </label>
      )}
      <button type="submit" data-action="disturb">
        {s.cbApply}
      </button>
    </form>
  );
}

function DeliveryList({ deliveries }: { deliveries: DeliveryView[] }) {
  const s = strings();
  if (!deliveries.length) return null;
  return (
    <table class="table deliveries">
      <caption>{s.cbDeliveries}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{s.cbDeliveredAt}</th>
          <th scope="col">{s.status}</th>
          <th scope="col">{s.cbAnswer}</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-delivery={d.id} data-outcome={d.outcome}>
            <td>{`${d.attempt}${d.duplicate ? ' ×2' : ''}`}</td>
            <td>{beijingTime(d.startedAt)}</td>
            <td>
              <span class={`state outcome-${d.outcome}`}>{s.cbOutcome[d.outcome]}</span>
            </td>
            <td>
              <code>{d.error ?? (d.answer === undefined ? '—' : JSON.stringify(d.answer))}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NotificationTable({
  notifications,
  chosen,
}: {
  notifications: NotificationView[];
  chosen?: number;
}) {
  const s = strings();
  return (
    <table class="table notifications">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">outTradeNo</th>
          <th scope="col">{s.cbKind}</th>
          <th scope="col">{s.cbFunction}</th>
          <th scope="col">{s.status}</th>
          <th scope="col" class="num">
            {s.cbAttempts}
          </th>
          <th scope="col">{s.cbNextAt}</th>
          <th scope="col">{s.actions}</th>
        </tr>
      </thead>
      <tbody>
        {notifications.map((n) => {
          const order = orderOf(n.outTradeNo);
          return (
            <tr
              key={n.id}
              data-notification={n.id}
              data-status={n.status}
              class={n.id === chosen ? 'chosen' : undefined}
            >
              <td>
                <a
                  href={href(['callbacks'], { n: String(n.id) })}
                  aria-current={n.id === chosen ? 'true' : undefined}
                >
                  {`#${n.id}`}
                </a>
              </td>
              <td>
                {order ? (
                  <a href={href(['orders', order])}>
                    <code>{n.outTradeNo}</code>
                  </a>
                ) : (
                  <code>{n.outTradeNo}</code>
                )}
                {n.outRefundNo && <small class="muted"> {n.outRefundNo}</small>}
              </td>
              <td>{s.cbKinds[n.kind]}</td>
              <td>
                <code>{n.functionName}</code>
              </td>
              <td>
                <span class={`state cb-${n.status}`}>{s.cbStatus[n.status]}</span>
              </td>
              <td class="num">{n.attempts}</td>
              <td>{n.nextAt === null ? '—' : beijingTime(n.nextAt)}</td>
              <td>
                <button
                  type="button"
                  class="secondary"
                  data-action="resend"
                  onClick={() => attempt(() => post('/sandbox/pay/callbacks/resend', { id: n.id }), s.done)}
                >
                  {s.resend}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
