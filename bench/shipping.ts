/**
 * Order-shipping emulation figures (issue 16):
 * (a) one cloud call through the real wx-server-sdk (`cloud.openapi.wxa.sec.order.*` in the `shipper`
 *     fixture, through /gateway/call): uploadShippingInfo and getOrder, p50/p99, one at a time;
 * (b) in process, on 20,000 paid trades: the first sweep (records every payment), a sweep on a clock
 *     move (every active order stepped), a get_order and a get_order_list page of 100.
 */
import Database from 'better-sqlite3';
import { SandboxClock } from '../sandbox/clock';
import { PayRecords, type TradeRow } from '../sandbox/pay/records';
import { createPaySchema } from '../sandbox/pay/schema';
import { ShippingService } from '../sandbox/shipping';
import { expressUpload, startShippingSdk } from '../test/helpers/shipping';
import { ms, row, summarize, withTarget } from './stats';

const SDK_ORDERS = 40;
const TRADES = 20_000;
const APPID = 'wxbenchapp';

const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return [value, elapsed(t0)];
}

async function benchSdkCalls(): Promise<void> {
  const sdk = await startShippingSdk();
  try {
    const orders = [];
    for (let i = 0; i < SDK_ORDERS; i++) orders.push(await sdk.paid());
    const uploads: number[] = [];
    const gets: number[] = [];
    for (const order of orders) {
      const [up, upMs] = await timed(() =>
        sdk.ship('uploadShippingInfo', expressUpload(order), { raw: true }),
      );
      if (!up.ok) throw new Error(`upload failed: ${up.errCode} ${up.errMsg}`);
      uploads.push(upMs);
      const [got, getMs] = await timed(() =>
        sdk.ship('getOrder', { transaction_id: order.transactionId }, { raw: true }),
      );
      if (!got.ok) throw new Error(`getOrder failed: ${got.errCode} ${got.errMsg}`);
      gets.push(getMs);
    }
    const up = summarize(uploads);
    const get = summarize(gets);
    console.log('a cloud call = /gateway/call → shipper → wx-server-sdk openapi (protobuf) → sandbox');
    console.log(withTarget(row('uploadShippingInfo through the SDK', up), 'p50 ≤ 20 ms', up.p50 <= 20));
    console.log(withTarget(row('getOrder through the SDK', get), 'p50 ≤ 20 ms', get.p50 <= 20));
  } finally {
    await sdk.stop();
  }
}

function paidTrade(i: number, now: number): TradeRow {
  const no = `SHIPBENCH${String(i).padStart(8, '0')}`;
  return {
    sub_mch_id: '1900000109',
    out_trade_no: no,
    sub_appid: APPID,
    openid: `oProvider${i % 500}`,
    sub_openid: `oPayer${i % 500}`,
    trade_type: 'JSAPI',
    body: '压测商品',
    attach: null,
    device_info: null,
    fee_type: 'CNY',
    total_fee: 100 + (i % 900),
    time_expire: null,
    env_id: 'bench',
    function_name: 'payAck',
    request: '{}',
    state: 'SUCCESS',
    created_at: now - 3600_000 + i,
    transaction_id: `4200000${String(i).padStart(21, '0')}`,
    time_end: now - 3000_000 + i,
    bank_type: 'OTHERS',
    paying_until: null,
    closed_at: null,
    refunded_fee: 0,
    last_refund_at: null,
  };
}

async function benchInProcess(): Promise<void> {
  const sqlite = new Database(':memory:');
  const clock = new SandboxClock();
  clock.freeze(Date.UTC(2024, 2, 15, 4));
  createPaySchema(sqlite);
  const records = new PayRecords(sqlite);
  records.transaction(() => {
    for (let i = 0; i < TRADES; i++) records.insertTrade(paidTrade(i, clock.now()));
  });
  const shipping = new ShippingService({
    sqlite,
    clock,
    providerMchId: () => '1800008281',
    functionExists: () => false,
    deliver: async () => ({ errcode: 0 }),
    takeFault: () => undefined,
  });
  const [, firstMs] = await timed(() => shipping.start());
  const [, moveMs] = await timed(() => clock.advance(1000));
  const caller = { appid: APPID };
  const gets: number[] = [];
  for (let i = 0; i < 200; i++) {
    const tx = paidTrade((i * 97) % TRADES, 0).transaction_id!;
    const [answer, t] = await timed(() =>
      shipping.call('wxa.sec.order.getOrder', { transaction_id: tx }, caller),
    );
    if (!('json' in answer) || answer.json.errcode !== 0)
      throw new Error(`getOrder: ${JSON.stringify(answer)}`);
    gets.push(t);
  }
  const [page, pageMs] = await timed(() =>
    shipping.call('wxa.sec.order.getOrderList', { page_size: 100, openid: 'oPayer7' }, caller),
  );
  if (!('json' in page) || page.json.errcode !== 0) throw new Error(`getOrderList: ${JSON.stringify(page)}`);
  shipping.close();
  sqlite.close();
  console.log(`in process, ${TRADES.toLocaleString('en')} paid trades:`);
  console.log(
    withTarget(`  first sweep (records every payment)        ${ms(firstMs)}`, '≤ 1000 ms', firstMs <= 1000),
  );
  console.log(
    withTarget(`  sweep on a clock move (all 待发货)          ${ms(moveMs)}`, '≤ 300 ms', moveMs <= 300),
  );
  const get = summarize(gets);
  console.log(withTarget(row('  get_order', get), 'p50 ≤ 1 ms', get.p50 <= 1));
  console.log(
    withTarget(`  get_order_list page (one payer of 500)     ${ms(pageMs)}`, '≤ 300 ms', pageMs <= 300),
  );
}

export async function benchShipping(): Promise<void> {
  await benchSdkCalls();
  await benchInProcess();
}
