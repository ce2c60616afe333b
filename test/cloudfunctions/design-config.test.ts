/** @jest-environment node */
/**
 * DESIGN.md §4: configuration is validated when a function runs and answers NOT_CONFIGURED naming
 * what is missing or malformed, through the real functions (the messages themselves are unit-tested
 * in unit/model.test.ts and unit/apiv3-config.test.ts): no crash, no INTERNAL, nothing written, and a
 * callback is not acknowledged, so WeChat delivers it again once the merchant fixed the setting.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import { callAs, post, query, seed } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

const ALICE = 'o-alice-config';
const sandboxes: SandboxProcess[] = [];

afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.stop()));
});

async function misconfigured(args: string[]): Promise<SandboxProcess> {
  const sandbox = await startSandboxProcess({ args });
  sandboxes.push(sandbox);
  await seed(sandbox.url, { paykit_products: [{ _id: 'latte', name: '拿铁', price: 2800, active: true }] });
  return sandbox;
}

test.each([
  [
    'cloudPay, a merchant number that is not one',
    ['--fn-env', 'PAYKIT_SUB_MCH_ID=19000x0109'],
    /PAYKIT_SUB_MCH_ID "19000x0109" is not a merchant number/,
  ],
  [
    'cloudPay, no merchant number',
    ['--fn-env', 'PAYKIT_PROVIDER=cloudpay,PAYKIT_SUB_MCH_ID='],
    /PAYKIT_SUB_MCH_ID is not set/,
  ],
  // A function deployed with no environment yet: new merchants cannot bind cloudPay, so APIv3 first.
  [
    'no provider at all',
    ['--fn-env', 'PAYKIT_SUB_MCH_ID='],
    /no pay provider is configured.*PAYKIT_PROVIDER=apiv3/,
  ],
  ['a provider the kit does not have', ['--fn-env', 'PAYKIT_PROVIDER=alipay'], /PAYKIT_PROVIDER "alipay"/],
])('%s: NOT_CONFIGURED naming it, nothing written', async (_what, args, message) => {
  const sandbox = await misconfigured(args);
  const answer = (await callAs(sandbox.url, ALICE, 'unifiedOrder', {
    items: [{ sku: 'latte', quantity: 1 }],
  })) as PaykitResponse<unknown>;
  expect(answer).toEqual({ ok: false, code: 'NOT_CONFIGURED', message: expect.stringMatching(message) });
  for (const name of ['queryOrder', 'closeOrder']) {
    expect(await callAs(sandbox.url, ALICE, name, { orderNo: 'PK2026120210000000000001' })).toEqual(
      expect.objectContaining({ ok: false, code: 'NOT_CONFIGURED' }),
    );
  }
  const { result } = await post<{ result: { errcode: number } }>(
    `${sandbox.url}/sandbox/functions/payCallback/invoke`,
    { data: { outTradeNo: 'PK2026120210000000000001A01', resultCode: 'SUCCESS' }, source: 'wx_pay' },
  );
  expect(result.errcode).not.toBe(0);
  expect(await query(sandbox.url, 'paykit_orders')).toEqual([]);
  expect(await query(sandbox.url, 'paykit_notifications')).toEqual([]);
});
