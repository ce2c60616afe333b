/**
 * pages/admin/bills rendered with real vant against a real sandbox whose admin list is set: a
 * non-admin is refused, an admin sees a reconciled day (the clock moved to the next day after
 * WeChat publishes bills), and repairs a payment the kit missed.
 */
import { callPaykit } from '../../../miniprogram/paykit/client';
import { callAs, eventually, post, readDoc, seedProducts, send } from '../../helpers/control';
import { holdNavigation, loadComp, renderComp, type SimComponent } from '../../helpers/simulate';
import { miniprogramSuite } from '../../helpers/mp-suite';
import { merchantArgs } from '../../helpers/kit';

const ADMIN = 'oBillsAdmin';
const CUSTOMER = `o_bills_customer_${process.pid}`;
const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;

let opened: SimComponent[] = [];

const suite = miniprogramSuite({
  start: { args: merchantArgs(ADMIN) },
  seed: (url) => seedProducts(url, [{ sku: 'bills-tea', name: '柠檬茶', price: 990 }]),
  user: () => CUSTOMER,
});

afterEach(() => {
  opened = [];
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

function beijingDay(ms: number): string {
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

async function openBills(date: string): Promise<SimComponent> {
  const { comp } = renderComp(loadComp('pages/admin/bills/index'));
  opened.push(comp);
  comp.instance.onLoad({ date });
  await eventually(
    () => (!comp.data.loading && (comp.data.report || comp.data.error) ? true : undefined),
    5000,
  );
  return comp;
}

function text(comp: SimComponent, selector: string): string {
  return comp.querySelector(selector)?.dom?.textContent ?? '';
}

/** Creates and pays an order as the customer; with `lostCallback`, WeChat's callback never arrives. */
async function paidOrder(lostCallback: boolean): Promise<string> {
  const { orderNo, payment } = await callPaykit('unifiedOrder', {
    items: [{ sku: 'bills-tea', quantity: 1 }],
  });
  if (lostCallback) await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', count: 1 });
  const paid = await send('POST', `${suite.sandbox.url}/gateway/pay`, {
    package: payment.package,
    openid: CUSTOMER,
    action: 'pay',
  });
  expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
  return orderNo;
}

describe('bills page', () => {
  test('a non-admin is refused with the FORBIDDEN message', async () => {
    const comp = await openBills('20240501');
    expect(comp.data.report).toBeNull();
    expect(text(comp, '#error')).toContain('没有权限进行此操作');
    expect(suite.wxs.calls.map((c) => c.name)).toEqual(['downloadBill']);
  });

  test('a day that fails to load offers 重新加载, which loads that day', async () => {
    // Two days back: WeChat has published its bill (empty here) whatever the hour.
    const clock = (await send('GET', `${suite.sandbox.url}/sandbox/clock`)).body as { now: number };
    const day = beijingDay(clock.now - 2 * DAY_MS);
    suite.wxs.openid = ADMIN;
    suite.wxs.offline = 1;
    const comp = await openBills(day);
    expect(text(comp, '#error')).toContain('网络异常');
    comp.querySelector('#retry')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => (!comp.data.loading && comp.data.report ? true : undefined), 5000);
    expect(comp.querySelector('#error')).toBeUndefined();
    expect(comp.data.billDate).toBe(day);
    expect(suite.wxs.calls.map((c) => c.data)).toEqual([{ billDate: day }]);
  });

  test('while another day loads, the last day’s figures are not shown under its date', async () => {
    const clock = (await send('GET', `${suite.sandbox.url}/sandbox/clock`)).body as { now: number };
    const day = beijingDay(clock.now - 2 * DAY_MS);
    suite.wxs.openid = ADMIN;
    const comp = await openBills(day);
    expect(comp.querySelector('#summary')).toBeDefined();

    const held = suite.wxs.holdNextAnswer('downloadBill');
    comp.querySelector('#prev-day')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => (comp.data.billDate !== day && comp.data.loading ? true : undefined), 5000);
    // The new date over the old day's summary would be read as that date's bill.
    expect(comp.querySelector('#summary')).toBeUndefined();
    expect(comp.querySelector('#repair')).toBeUndefined();
    expect(comp.querySelector('.bills__loading')).toBeDefined();

    await held.release();
    await eventually(() => (!comp.data.loading && comp.data.report ? true : undefined), 5000);
    expect((comp.data.report as { billDate: string }).billDate).toBe(comp.data.billDate);
    expect(comp.querySelector('#summary')).toBeDefined();
  });

  test('an admin sees the day reconciled, and repairs a payment the kit missed', async () => {
    const clock = (await send('GET', `${suite.sandbox.url}/sandbox/clock`)).body as { now: number };
    const payDay = beijingDay(clock.now);
    const recorded = await paidOrder(false);
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    expect((await readDoc(suite.sandbox.url, 'paykit_orders', recorded))!.status).toBe('SUCCESS');
    const missed = await paidOrder(true);
    const missedBefore = await readDoc(suite.sandbox.url, 'paykit_orders', missed);
    expect(missedBefore!.status).toBe('NOTPAY');

    // The next Beijing day, 10:01: WeChat has published the bill (from 10:00), the daily repair timer (10:30) has not run.
    const nextDay = Math.floor((clock.now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS;
    await post(`${suite.sandbox.url}/sandbox/clock`, {
      action: 'set',
      at: nextDay + 10 * 3_600_000 + 60_000,
    });
    // The expiry sweep the jump fired may have synced the missed order: once the timers have finished
    // (not while one still runs, to race the repair below), put it back as the lost callback left it.
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});
    await post(`${suite.sandbox.url}/sandbox/db/import`, { paykit_orders: [missedBefore] });

    suite.wxs.openid = ADMIN;
    const comp = await openBills(payDay);
    expect(comp.data.billDate).toBe(payDay);
    expect(text(comp, '#payments')).toContain('2 笔');
    expect(text(comp, '#payments')).toContain('¥19.80');
    expect(text(comp, '#refunds')).toContain('0 笔');
    expect(text(comp, '#service-fee')).toMatch(/¥\d+\.\d{2,5}/);
    expect(text(comp, '#kind-PAID_AT_WECHAT_NOT_HERE')).toContain('微信已收款，本地未记录');
    expect(text(comp, '#reconciled')).toContain(`${missed}`);
    expect(text(comp, '#reconciled')).not.toContain(recorded);

    tapRepair(comp);
    await eventually(() => (!comp.data.repairing && !comp.data.repairable ? true : undefined), 10000);
    expect(text(comp, '#reconciled')).toContain('已修复');
    expect((await readDoc(suite.sandbox.url, 'paykit_orders', missed))!.status).toBe('SUCCESS');
    // The discrepancy's row opens its order, for the admin to look at it.
    const { navigate, complete } = holdNavigation();
    comp.querySelector(`#discrepancy-${missed}A01`)!.querySelector('.van-cell')!.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    expect(navigate).toHaveBeenCalledWith(
      expect.objectContaining({ url: `/pages/orders/detail/index?orderNo=${missed}` }),
    );
    complete();
    expect(suite.wxs.calls.filter((c) => c.name === 'downloadBill').map((c) => c.data)).toEqual([
      { billDate: payDay },
      { billDate: payDay, repair: true },
    ]);

    // A day with nothing in it: reconciled, no discrepancies.
    comp.querySelector('#prev-day')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => (comp.data.billDate !== payDay && !comp.data.loading ? true : undefined), 5000);
    expect(comp.data.error).toBe('');
    expect(comp.querySelector('#balanced')).toBeDefined();
  });

  test('two refunds of one trade are two rows, each with its own number and fee, before and after a repair', async () => {
    const clock = (await send('GET', `${suite.sandbox.url}/sandbox/clock`)).body as { now: number };
    const payDay = beijingDay(clock.now);
    const refunded = await paidOrder(false);
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    const refundedBefore = await readDoc(suite.sandbox.url, 'paykit_orders', refunded);
    const outTradeNo = String(refundedBefore!.outTradeNo);
    // Refunded twice on the merchant platform, which the kit never asked for (a minute apart, as WeChat requires).
    const refundNos: string[] = [];
    for (const refundFee of [300, 500]) {
      if (refundNos.length)
        await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 61_000 });
      const { refund } = await post<{ refund: { outRefundNo: string } }>(
        `${suite.sandbox.url}/sandbox/pay/refunds`,
        { outTradeNo, refundFee },
      );
      refundNos.push(refund.outRefundNo);
    }
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    const missed = await paidOrder(true);
    const missedBefore = await readDoc(suite.sandbox.url, 'paykit_orders', missed);
    const nextDay = Math.floor((clock.now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS;
    await post(`${suite.sandbox.url}/sandbox/clock`, {
      action: 'set',
      at: nextDay + 10 * 3_600_000 + 60_000,
    });
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});
    // As in the test above, the timers the jump fired may have learnt of the payment and the refunds:
    // put both orders back as the kit had them.
    await post(`${suite.sandbox.url}/sandbox/db/import`, { paykit_orders: [missedBefore, refundedBefore] });

    suite.wxs.openid = ADMIN;
    const comp = await openBills(payDay);
    const rows = () => refundNos.map((no) => text(comp, `#discrepancy-${no}`));
    expect(text(comp, '#kind-REFUND_NOT_HERE')).toContain('2 笔');
    expect(rows()).toEqual([`${refundNos[0]}微信金额 ¥3.00`, `${refundNos[1]}微信金额 ¥5.00`]);
    expect(new Set(rowKeys(comp, refundNos)).size).toBe(2);

    // The repair records both refunds: the same two rows, each updated in place.
    tapRepair(comp);
    await eventually(() => (!comp.data.repairing && !comp.data.repairable ? true : undefined), 10000);
    expect(rows()).toEqual([`${refundNos[0]}微信金额 ¥3.00已修复`, `${refundNos[1]}微信金额 ¥5.00已修复`]);
    expect(text(comp, `#discrepancy-${missed}A01`)).toContain('已修复');
    expect(new Set(rowKeys(comp, refundNos)).size).toBe(2);
  });

  test('a day of refunds alone: the fees WeChat gives back read -¥, as any amount below zero', async () => {
    const clock = (await send('GET', `${suite.sandbox.url}/sandbox/clock`)).body as { now: number };
    const orderNo = await paidOrder(false);
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    // Refunded in full the next Beijing day, whose bill then holds the refund and no payment.
    const nextDay = Math.floor((clock.now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS;
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'set', at: nextDay + 9 * 3_600_000 });
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});
    const refunded = await callAs<{ ok: boolean }>(suite.sandbox.url, ADMIN, 'refund', {
      orderNo,
      refundFee: 990,
    });
    expect(refunded.ok).toBe(true);
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    await post(`${suite.sandbox.url}/sandbox/clock`, {
      action: 'set',
      at: nextDay + DAY_MS + 10 * 3_600_000 + 60_000,
    });
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});

    suite.wxs.openid = ADMIN;
    const comp = await openBills(beijingDay(nextDay));
    expect(text(comp, '#payments')).toContain('0 笔');
    expect(text(comp, '#refunds')).toContain('¥9.90');
    // The fee of the ¥9.90 payment, given back with its refund.
    expect(text(comp, '#service-fee')).toContain('-¥0.06');
  });

  test('WeChat keeps bills 3 months: the page goes no further back, and a day before opens the last', async () => {
    const base = suite.sandbox.url;
    const clock = (await send('GET', `${base}/sandbox/clock`)).body as { now: number };
    // The phone's clock reads the sandbox's (and runs on).
    const offset = clock.now - Date.now();
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    suite.wxs.openid = ADMIN;
    const today = beijingDay(clock.now);
    const first = new Date(
      Date.UTC(Number(today.slice(0, 4)), Number(today.slice(4, 6)) - 4, Number(today.slice(6, 8))),
    )
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');

    // Older than that, WeChat refuses the day (invalid bill_date): the page opens the last day instead.
    const tooOld = await openBills(`${Number(first.slice(0, 4)) - 1}${first.slice(4)}`);
    expect(tooOld.data.error).toBe('');
    expect(tooOld.data.billDate).toBe(tooOld.data.lastDay);

    const comp = await openBills(first);
    expect(comp.data.error).toBe('');
    expect(comp.data.billDate).toBe(first);
    expect(comp.querySelector('#prev-day')!.data).toMatchObject({ disabled: true });
  });

  test('opened before WeChat has made yesterday’s bill (10:00 Beijing), it opens the day before, not a failure', async () => {
    const morning = await morningBeforeTheBill();
    suite.wxs.openid = ADMIN;
    const comp = await openBills('');
    expect(comp.data.error).toBe('');
    expect(comp.data.billDate).toBe(beijingDay(morning - 2 * DAY_MS));
    expect(comp.querySelector('#summary')).toBeDefined();
    // Nothing later to go to yet.
    expect(comp.querySelector('#next-day')!.data).toMatchObject({ disabled: true });
  });

  test('a link to yesterday before WeChat has made its bill says when it is out, not that the service failed', async () => {
    const morning = await morningBeforeTheBill();
    suite.wxs.openid = ADMIN;
    const comp = await openBills(beijingDay(morning - DAY_MS));
    expect(comp.data.report).toBeNull();
    expect(text(comp, '#error')).toContain('该日账单尚未生成，微信支付于次日 10:00（北京时间）后提供');
  });
});

/**
 * 09:30 Beijing the next day, on the sandbox and the phone (whose clock runs on): WeChat is still
 * making yesterday's bill (Bill Creating, STATEMENT_CREATING).
 */
async function morningBeforeTheBill(): Promise<number> {
  const base = suite.sandbox.url;
  const clock = (await send('GET', `${base}/sandbox/clock`)).body as { now: number };
  const morning =
    Math.floor((clock.now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS + 9.5 * 3_600_000;
  await post(`${base}/sandbox/clock`, { action: 'set', at: morning });
  await post(`${base}/sandbox/triggers/settle`, {});
  const offset = morning - Date.now();
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
  return morning;
}

/**
 * The `wx:key` of each discrepancy row. miniprogram-simulate renders a repeated key as no key at all,
 * so the rows alone cannot show one; WeChat's runtime warns of it and may patch the wrong row.
 */
function rowKeys(comp: SimComponent, ids: string[]): string[] {
  return ids.map((id) => {
    const cell = comp.querySelector(`#discrepancy-${id}`) as unknown as {
      _exparserNode: { parentNode: { _vt: { key: string } } };
    };
    return cell._exparserNode.parentNode._vt.key;
  });
}

function tapRepair(comp: SimComponent): void {
  comp.querySelector('#repair')!.querySelector('.van-button')!.dispatchEvent('tap');
}
