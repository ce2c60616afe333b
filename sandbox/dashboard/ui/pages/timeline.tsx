/** An order's timeline: one entry per thing that happened, oldest first, with its facts. */
import type { TimelineEntry } from '../../../../typings/sandbox/dashboard';
import { beijingTime, yuan } from '../format';
import { strings } from '../strings';
import { orderStateLabel } from './orders';

const MONEY = new Set(['totalFee', 'refundFee', 'wechatFee', 'orderFee']);
const TIMES = new Set(['expiresAt', 'nextRetryAt', 'paidAt', 'retryFrom', 'claimedUntil', 'sweepRetryAt']);

function factText(key: string, value: string | number | boolean): string {
  const s = strings();
  if (typeof value === 'boolean') return value ? s.yes : s.no;
  if (typeof value === 'number' && MONEY.has(key)) return yuan(value);
  if (typeof value === 'number' && TIMES.has(key)) return beijingTime(value);
  if (key === 'tradeState') return s.state[value as string] ?? String(value);
  return String(value);
}

function titleText(e: TimelineEntry): string {
  const s = strings();
  if (e.kind === 'refund' || e.kind === 'refunded' || e.kind === 'platformRefund')
    return s.refundState[e.title] ?? e.title;
  // The order's state it left the order in: PAYERROR is the kit's 支付异常, not WeChat's 支付失败.
  if (e.kind === 'mismatchedPayment') return orderStateLabel(e.title);
  return s.title[e.title] ?? s.state[e.title] ?? e.title;
}

/** What an entry is: a notification names the payment's or a refund's, as the callbacks page does. */
function kindText(e: TimelineEntry): string {
  const s = strings();
  const key = e.kind === 'notification' && e.facts.callback === 'refund' ? 'refundNotification' : e.kind;
  return s.kind[key] ?? e.kind;
}

/** The word of an entry's title worth a colour: a state, a delivery outcome, a hook that failed. */
function tone(e: TimelineEntry): string {
  if (e.kind === 'notification') return `outcome-${e.title}`;
  if (e.kind === 'hook')
    return e.title === 'DONE' ? 'good' : e.title === 'FAILED' || e.title === 'LAPSED' ? 'bad' : '';
  return e.kind === 'paid' || e.kind === 'refunded' ? 'good' : '';
}

export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const s = strings();
  return (
    <ol class="timeline">
      {entries.map((e, i) => (
        <li key={i} class={`entry kind-${e.kind} ${tone(e)}`} data-kind={e.kind} data-title={e.title}>
          <time>{beijingTime(e.at)}</time>
          <div class="entry-body">
            <strong>{kindText(e)}</strong> <span class="entry-title">{titleText(e)}</span>
            <dl class="facts inline small">
              {Object.entries(e.facts)
                .filter(
                  (entry): entry is [string, string | number | boolean] =>
                    entry[1] !== null && entry[1] !== '',
                )
                .map(([k, v]) => (
                  <div key={k} data-fact={k}>
                    <dt>{s.fact[k] ?? k}</dt>
                    <dd>{factText(k, v)}</dd>
                  </div>
                ))}
            </dl>
          </div>
        </li>
      ))}
    </ol>
  );
}
