/** @jest-environment node */
/**
 * APIv3 time rules on the sandbox clock (reference §4.1, §4.2, §5.3): time_expire adjusted to at
 * least a minute and closed automatically when it passes, the 2-hour prepay, and a payer who is not
 * the order's.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
let client: V3Client;
const OPENID = 'oV3PayerOpenid0001';
/** 2024-03-15 10:00 Beijing. */
const T0 = Date.UTC(2024, 2, 15, 2, 0, 0);

const clock = (body: Record<string, unknown>) => post(`${sandbox.url}/sandbox/clock`, body);
const beijing = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
});
beforeEach(() => clock({ action: 'freeze', at: T0 }));
afterAll(() => sandbox.stop());

async function pay(prepayId: string, openid = OPENID): Promise<string> {
  const answer = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
    ...client.payment(prepayId),
    openid,
  });
  return answer.errMsg;
}

const state = async (no: string) =>
  (await client.get(`/v3/pay/transactions/out-trade-no/${no}?mchid=${merchant.mchid}`)).json.trade_state;

describe('time_expire', () => {
  it('closes an unpaid order when time_expire passes (a time_expire under a minute counts as one)', async () => {
    const order = await client.order('V3TIME0001', { time_expire: beijing(T0 + 10_000) });
    expect(order.status).toBe(200);
    await clock({ action: 'advance', ms: 59_000 });
    expect(await state('V3TIME0001')).toBe('NOTPAY');
    await clock({ action: 'advance', ms: 1_000 });
    expect(await state('V3TIME0001')).toBe('CLOSED');
    expect(await pay(order.json.prepay_id as string)).toBe('requestPayment:fail 该订单已关闭');
    expect((await client.order('V3TIME0001', { time_expire: beijing(T0 + 10_000) })).json.code).toBe(
      'ORDER_CLOSED',
    );
  });

  it('keeps an order without time_expire payable for 7 days', async () => {
    await client.order('V3TIME0002');
    await clock({ action: 'advance', ms: 7 * 24 * 3600_000 - 1000 });
    expect(await state('V3TIME0002')).toBe('NOTPAY');
    await clock({ action: 'advance', ms: 1000 });
    expect(await state('V3TIME0002')).toBe('CLOSED');
  });
});

describe('the prepay', () => {
  it('lasts 2 hours; ordering the same out_trade_no again gives a fresh one that pays', async () => {
    const first = await client.order('V3TIME0003');
    await clock({ action: 'advance', ms: 2 * 3600_000 });
    expect(await pay(first.json.prepay_id as string)).toBe('requestPayment:fail 该订单已过期');
    const again = await client.order('V3TIME0003');
    expect(await pay(again.json.prepay_id as string)).toBe('requestPayment:ok');
    expect(await state('V3TIME0003')).toBe('SUCCESS');
  });

  it('refuses a payer who is not the order’s', async () => {
    const order = await client.order('V3TIME0004');
    expect(await pay(order.json.prepay_id as string, 'oSomeoneElse000001')).toBe(
      'requestPayment:fail 下单账号与支付账号不一致，请核实后再支付',
    );
    expect(await state('V3TIME0004')).toBe('NOTPAY');
  });
});
