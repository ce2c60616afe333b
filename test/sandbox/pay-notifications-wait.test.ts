/** @jest-environment node */
/**
 * `GET /sandbox/pay/notifications?…&waitMs=`: instead of being polled, the control API answers once
 * a notification matches (here: the payment callback delivered and acknowledged), or with an empty
 * list when the time is up. A wait is bounded, and bad values are refused like every other filter.
 */
import { buildFixtureFunctions } from '../helpers/fixtures';
import { callAs, get, post, send, type SandboxErrorAnswer } from '../helpers/control';
import { SUB_MCH_ID } from '../helpers/constants';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;

interface Notifications {
  notifications: Array<{ outTradeNo: string; status: string; attempts: number }>;
}

const OPENID = 'oWaitingPayer';

/** A prepay through the real SDK (the cloudpay fixture), its callback going to payAck. */
async function prepay(outTradeNo: string): Promise<string> {
  const answer = await callAs<{ ok: boolean; res?: { payment?: { package: string } } }>(
    base,
    OPENID,
    'cloudpay',
    {
      api: 'unifiedOrder',
      params: {
        body: '等待回调',
        outTradeNo,
        totalFee: 1,
        spbillCreateIp: '127.0.0.1',
        subMchId: SUB_MCH_ID,
        envId: sandbox.envId,
        functionName: 'payAck',
        nonceStr: 'wait',
        tradeType: 'JSAPI',
      },
    },
  );
  const pkg = answer.res?.payment?.package;
  if (!pkg) throw new Error(`unifiedOrder failed: ${JSON.stringify(answer)}`);
  return pkg;
}

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['cloudpay', 'payAck'])],
  });
  base = sandbox.url;
});

afterAll(async () => {
  await sandbox?.stop();
});

test('a wait asked before the payment answers with the callback once it is delivered', async () => {
  const pkg = await prepay('WAIT0001');
  const url = `${base}/sandbox/pay/notifications?outTradeNo=WAIT0001&status=delivered&waitMs=20000`;
  const waiting = get<Notifications>(url);
  // Nothing is delivered yet: the wait is still open when the payer pays.
  expect(
    (await get<Notifications>(`${base}/sandbox/pay/notifications?outTradeNo=WAIT0001`)).notifications,
  ).toEqual([]);
  expect(await post(`${base}/sandbox/pay/act`, { package: pkg, openid: OPENID, action: 'pay' })).toEqual({
    errMsg: 'requestPayment:ok',
  });
  const { notifications } = await waiting;
  expect(notifications).toEqual([
    expect.objectContaining({ outTradeNo: 'WAIT0001', status: 'delivered', attempts: 1 }),
  ]);
  // Asked again once it matches, it answers at once with the same.
  expect((await get<Notifications>(url)).notifications).toEqual(notifications);
});

test('a wait that nothing ends answers an empty list when its time is up', async () => {
  const { notifications } = await get<Notifications>(
    `${base}/sandbox/pay/notifications?outTradeNo=WAIT-NEVER&status=delivered&waitMs=150`,
  );
  expect(notifications).toEqual([]);
});

test('hostile waits are refused with the one error shape', async () => {
  for (const [value, message] of [
    ['-1', /waitMs must be a whole number ≥ 0/],
    ['1.5', /waitMs must be a whole number ≥ 0/],
    ['soon', /waitMs must be a whole number ≥ 0/],
    ['30001', /waitMs must be at most 30000/],
    ['99999999999999999999', /waitMs must be a whole number ≥ 0/],
  ] as const) {
    const { status, body } = await send<SandboxErrorAnswer>(
      'GET',
      `${base}/sandbox/pay/notifications?outTradeNo=X&waitMs=${value}`,
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_PARAM');
    expect(body.error.message).toMatch(message);
  }
});
