/**
 * What WeChat Pay holds: every trade of both pay APIs (cloudPay and APIv3 share the emulator's
 * store), newest first, filterable by trade state and API; refreshed live.
 */
import type { TradesPage as Page } from '../../../../typings/sandbox/dashboard';
import { get, query } from '../api';
import { useLiveData } from '../data';
import { beijingTime, yuan } from '../format';
import { href } from '../router';
import { FilterForm, FilterSelect } from '../filters';
import { strings } from '../strings';
import type { PageProps } from './index';
import { StateTag } from './orders';
import { errorMessage } from '../errors';

/** A kit attempt's outTradeNo: the order number (PK + 22 digits), `A`, the attempt. */
const KIT_TRADE = /^PK\d{22}A\d+$/;
const TRADE_STATES = ['NOTPAY', 'USERPAYING', 'SUCCESS', 'REFUND', 'CLOSED', 'PAYERROR'];

export function TradesPage({ route }: PageProps) {
  const s = strings();
  const filter = { state: route.params.get('state') ?? undefined, api: route.params.get('api') ?? undefined };
  const key = JSON.stringify(filter);
  const { data, error } = useLiveData(
    () => get<Page>(`/sandbox/dashboard/trades${query(filter)}`),
    [key],
    ['trade'],
  );
  return (
    <section class="panel">
      <h1>{s.trades}</h1>
      <FilterForm route="trades" key={key}>
        <FilterSelect
          label={s.status}
          name="state"
          value={filter.state}
          choices={TRADE_STATES.map((st) => ({ value: st, label: s.state[st] }))}
        />
        <FilterSelect
          label={s.api}
          name="api"
          value={filter.api}
          choices={[
            { value: 'cloudpay', label: 'cloudPay' },
            { value: 'apiv3', label: 'APIv3' },
          ]}
        />
      </FilterForm>
      {error && <p class="error-text">{`${error.code}: ${errorMessage(error)}`}</p>}
      {!data && !error && <p class="muted">{s.loading}</p>}
      {data && !data.trades.length && <p class="muted">{s.empty}</p>}
      {data && data.trades.length > 0 && (
        <table class="table trades">
          <thead>
            <tr>
              <th scope="col">outTradeNo</th>
              <th scope="col">{s.api}</th>
              <th scope="col">{s.status}</th>
              <th scope="col" class="num">
                {s.amount}
              </th>
              <th scope="col">{s.transactionId}</th>
              <th scope="col">{s.createdAt}</th>
            </tr>
          </thead>
          <tbody>
            {data.trades.map((t) => (
              <tr key={`${t.mchid}/${t.outTradeNo}`} data-trade={t.outTradeNo} data-state={t.state}>
                <td>
                  {KIT_TRADE.test(t.outTradeNo) ? (
                    <a href={href(['orders', t.outTradeNo.slice(0, 24)])}>
                      <code>{t.outTradeNo}</code>
                    </a>
                  ) : (
                    <code>{t.outTradeNo}</code>
                  )}
                </td>
                <td>{t.api === 'apiv3' ? 'APIv3' : 'cloudPay'}</td>
                <td>
                  <StateTag state={t.state} />
                </td>
                <td class="num">
                  {yuan(t.totalFee)}
                  {t.refundedFee > 0 && <small class="muted"> −{yuan(t.refundedFee)}</small>}
                </td>
                <td>
                  <code>{t.transactionId ?? '—'}</code>
                </td>
                <td>{beijingTime(t.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
