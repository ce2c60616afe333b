/**
 * Bills: pick a Beijing day, reconcile the kit's orders with WeChat Pay's bill for it (the kit's
 * `downloadBill` as a merchant admin, through the gateway as the CLI's `call --as admin`), see the
 * summary and each discrepancy, repair (the same call with `repair`), run the daily timer
 * (`reconcileBills` invoked as the timer does), and download the sandbox's bill as CSV.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BillReport } from '../../../../typings/paykit/bill';
import type { Overview } from '../../../../typings/sandbox/dashboard';
import { ApiError, authHeaders, callAs, get, post } from '../api';
import { beijingDay, yuan } from '../format';
import { href, navigate } from '../router';
import { counted, fill, strings } from '../strings';
import { attempt, showDone, showError } from '../toast';
import type { PageProps } from './index';

const DAY_MS = 24 * 3600_000;

/** Units of 0.00001 yuan (as the bill prints the service fee) → `¥0.006`, without floating point. */
function serviceFee(units: number): string {
  const frac = String(units % 100_000)
    .padStart(5, '0')
    .replace(/0{1,3}$/, '');
  return `¥${Math.floor(units / 100_000)}.${frac}`;
}

async function adminOpenid(): Promise<string> {
  const { users } = await get<Overview>('/sandbox/dashboard/overview');
  const admin = users.find((u) => u.admin);
  if (!admin) throw new ApiError('NO_ADMIN', 'no local user is a merchant admin (PAYKIT_ADMIN_OPENIDS)');
  return admin.openid;
}

async function reconcile(day: string, repair: boolean): Promise<BillReport> {
  const billDate = day.replace(/-/g, '');
  const { report } = await callAs<{ report: BillReport }>(await adminOpenid(), 'downloadBill', {
    billDate,
    repair,
  });
  return report;
}

/** The timer's own run: reconcileBills invoked with SOURCE timer, as the daily trigger does. */
async function runTimer(): Promise<void> {
  const outcome = await post<{
    result?: {
      ok: boolean;
      data?: { billDate: string; discrepancies: number };
      code?: string;
      message?: string;
    };
  }>('/sandbox/functions/reconcileBills/invoke', { source: 'timer', data: {} });
  const result = outcome.result;
  if (!result?.ok || !result.data) {
    throw new ApiError(
      result?.code ?? 'FUNCTION_FAILED',
      result?.message ?? 'reconcileBills did not answer ok',
    );
  }
  const { billDate, discrepancies } = result.data;
  showDone(counted(strings().billTimerDone, discrepancies, { billDate }));
}

/** Fetches the day's CSV (with the access token) and hands it to the browser as a download. */
async function download(day: string): Promise<void> {
  const res = await fetch(`/sandbox/dashboard/bill?day=${encodeURIComponent(day)}`, {
    headers: authHeaders(),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(
      body.error?.code ?? `HTTP_${res.status}`,
      body.error?.message ?? `bill answered ${res.status}`,
    );
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `bill-${day.replace(/-/g, '')}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function BillsPage({ route }: PageProps) {
  const s = strings();
  const [report, setReport] = useState<BillReport | undefined>(undefined);
  const [fallback, setFallback] = useState('');
  const day = route.params.get('day') ?? fallback;
  useEffect(() => {
    // Yesterday by the sandbox clock: the last day whose bill WeChat can have.
    get<{ now: number }>('/sandbox/clock').then((c) => setFallback(beijingDay(c.now - DAY_MS)), showError);
  }, []);
  const pick = (e: Event) => {
    setReport(undefined);
    navigate(href(['bills'], { day: (e.target as HTMLInputElement).value }));
  };
  const run = (repair: boolean) =>
    attempt(async () => setReport(await reconcile(day, repair)), repair ? s.done : undefined);
  return (
    <div class="stack tools bills-page">
      <h1>{s.billTitle}</h1>
      <section class="panel row">
        <label>
          {s.billDay} <input type="date" name="day" value={day} onChange={pick} />
        </label>
        <button type="button" data-action="reconcile" onClick={() => void run(false)}>
          {s.billReconcile}
        </button>
        <button type="button" data-action="repair" class="danger" onClick={() => void run(true)}>
          {s.billRepair}
        </button>
        <button
          type="button"
          class="secondary"
          data-action="download"
          onClick={() => attempt(() => download(day))}
        >
          {s.billDownload}
        </button>
        <button type="button" class="secondary" data-action="timer" onClick={() => attempt(runTimer)}>
          {s.billTimer}
        </button>
      </section>
      {report && <Report report={report} />}
    </div>
  );
}

function Report({ report }: { report: BillReport }) {
  const s = strings();
  return (
    <>
      <section class="panel" aria-labelledby="summary-title" data-bill={report.billDate}>
        <h2 id="summary-title">{s.billSummary}</h2>
        <dl class="facts">
          <div>
            <dt>{s.billExists}</dt>
            <dd>{report.billExists ? report.billDate : s.billNone}</dd>
          </div>
          <div id="bill-payments">
            <dt>{s.billPayments}</dt>
            <dd>{fill(s.billCountFee, { count: report.payments.count, fee: yuan(report.payments.fee) })}</dd>
          </div>
          <div id="bill-refunds">
            <dt>{s.billRefunds}</dt>
            <dd>{fill(s.billCountFee, { count: report.refunds.count, fee: yuan(report.refunds.fee) })}</dd>
          </div>
          <div>
            <dt>{s.billServiceFee}</dt>
            <dd>{serviceFee(report.serviceFee)}</dd>
          </div>
          <div>
            <dt>{s.billSummaryMatches}</dt>
            <dd>{report.summaryMatches ? s.yes : s.no}</dd>
          </div>
        </dl>
      </section>
      <section class="panel" aria-labelledby="discrepancies-title">
        <h2 id="discrepancies-title">{s.billDiscrepancies}</h2>
        {!report.discrepancies.length && <p class="muted">{s.billNoDiscrepancy}</p>}
        {report.discrepancies.length > 0 && (
          <table class="table discrepancies">
            <thead>
              <tr>
                <th scope="col">{s.billDiscrepancies}</th>
                <th scope="col">outTradeNo</th>
                <th scope="col" class="num">
                  {s.billWechatFee}
                </th>
                <th scope="col" class="num">
                  {s.billLocalFee}
                </th>
                <th scope="col">{s.billRepaired}</th>
              </tr>
            </thead>
            <tbody>
              {report.discrepancies.map((d) => (
                <tr
                  key={`${d.kind}/${d.outTradeNo}/${d.outRefundNo ?? ''}`}
                  data-kind={d.kind}
                  data-repaired={d.repaired ? 'yes' : 'no'}
                >
                  <td>{s.billKinds[d.kind] ?? d.kind}</td>
                  <td>
                    {d.orderNo ? (
                      <a href={href(['orders', d.orderNo])}>
                        <code>{d.outTradeNo}</code>
                      </a>
                    ) : (
                      <code>{d.outTradeNo}</code>
                    )}
                    {d.outRefundNo && <small class="muted"> {d.outRefundNo}</small>}
                  </td>
                  <td class="num">{d.wechatFee === undefined ? '—' : yuan(d.wechatFee)}</td>
                  <td class="num">{d.localFee === undefined ? '—' : yuan(d.localFee)}</td>
                  <td>{d.repaired ? s.yes : s.no}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
