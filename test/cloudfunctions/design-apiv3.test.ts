/** @jest-environment node */
/**
 * DESIGN.md §4 on APIv3. Notifications: verified before anything is parsed, within the timestamp
 * window (a correctly signed replay is refused), 4xx FAIL for what does not verify or decrypt.
 * Secrets: the merchant private key and the APIv3 key live only on the server side,
 * never in logs or error messages. The kit on APIv3 as `npm start -- --provider apiv3` sets it up
 * goes through its paths that log or answer errors (a payment, a refund, a forged notification,
 * WeChat failing), and neither key shows up in any function's answers, logs or stored documents.
 */
import type { UnifiedOrderResult } from '../../typings/paykit/functions';
import { callAs, get, post } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { readMerchant, sign, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let kit: KitClient;
let merchant: MerchantFile;
const ALICE = 'o-alice-secrets';
const ADMIN = 'oPaykitLocalUser';
/** Every answer a function gave in this suite. */
const answers: unknown[] = [];

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ['--provider', 'apiv3'] });
  kit = new KitClient(sandbox.url);
  merchant = readMerchant(sandbox.dataDir);
  await kit.clock('freeze');
});

afterAll(async () => {
  await sandbox?.stop();
});

async function call(openid: string, name: string, event: Record<string, unknown>): Promise<unknown> {
  const answer = await callAs(sandbox.url, openid, name, event);
  answers.push(answer);
  return answer;
}

/** A notification's integration request, signed by `privateKeyPem` over its raw body at `at`. */
function notification(body: string, privateKeyPem: string, at = Date.now()) {
  const timestamp = String(Math.floor(at / 1000));
  const nonce = 'design-test-nonce';
  return {
    httpMethod: 'POST',
    path: '/paykit/v3/notify',
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': merchant.publicKeyId,
      'wechatpay-signature': sign(`${timestamp}\n${nonce}\n${body}\n`, privateKeyPem),
    },
    body,
    isBase64Encoded: false,
  };
}

/** A notification that names no resource the kit can decrypt. */
const UNREADABLE = JSON.stringify({
  id: 'EV-design',
  resource: { ciphertext: 'AAAA', nonce: 'abcdefghijkl' },
});

describe('§4 APIv3 notifications: verified on the raw body, with the timestamp window, before anything else', () => {
  /** The WeChat Pay key the sandbox signs with in public-key mode (what WeChat holds). */
  const wechatKey = () => (merchant as MerchantFile & { publicKeyPrivatePem: string }).publicKeyPrivatePem;

  test("signed by WeChat's key and fresh, a body that does not decrypt is 400 FAIL", async () => {
    const { now } = await kit.clock('advance', { ms: 0 });
    for (const fn of ['payNotify', 'refundNotify']) {
      const answer = (await call(ALICE, fn, notification(UNREADABLE, wechatKey(), now))) as {
        statusCode: number;
        body: string;
      };
      expect(answer.statusCode).toBe(400);
      expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ code: 'FAIL' }));
    }
  });

  test("signed by WeChat's key but outside the 300 s window (a replay), it is refused as unverified", async () => {
    const { now } = await kit.clock('advance', { ms: 0 });
    for (const at of [now - 301_000, now + 301_000]) {
      for (const fn of ['payNotify', 'refundNotify']) {
        const answer = (await call(ALICE, fn, notification(UNREADABLE, wechatKey(), at))) as {
          statusCode: number;
          body: string;
        };
        expect(answer.statusCode).toBe(401);
        expect(JSON.parse(answer.body)).toEqual({ code: 'FAIL', message: '验签失败' });
      }
    }
  });
});

test('neither key appears in answers, logs or stored documents, on the paths that log and fail', async () => {
  const placed = (await call(ALICE, 'unifiedOrder', { items: [{ sku: 'coffee-latte', quantity: 1 }] })) as {
    ok: true;
    data: UnifiedOrderResult;
  };
  expect(placed.ok).toBe(true);
  await kit.payAndConfirm(ALICE, placed.data);
  expect(await call(ADMIN, 'refund', { orderNo: placed.data.orderNo, refundFee: 100 })).toEqual(
    expect.objectContaining({ ok: true }),
  );
  await kit.settle();

  // WeChat failing: the kit's error answers and logs carry WeChat's message, not the request's keys.
  await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.jsapi', error: 'SYSTEM_ERROR', count: 1 });
  expect(await call(ALICE, 'unifiedOrder', { items: [{ sku: 'coffee-latte', quantity: 1 }] })).toEqual(
    expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
  );
  // A notification signed with the merchant's own key instead of WeChat's: refused, and logged.
  for (const fn of ['payNotify', 'refundNotify']) {
    const refused = (await call(ALICE, fn, notification(UNREADABLE, merchant.merchantPrivateKeyPem))) as {
      statusCode: number;
    };
    expect(refused.statusCode).toBe(401);
  }

  const { logs } = await get<{ logs: unknown[] }>(`${sandbox.url}/sandbox/logs?limit=1000`);
  expect(logs.length).toBeGreaterThan(5);
  const stored = await get<Record<string, unknown[]>>(
    `${sandbox.url}/sandbox/db/export?collections=paykit_orders,paykit_notifications,paykit_hook_runs`,
  );
  const everything = JSON.stringify({ answers, logs, stored });
  expect(everything).toContain(placed.data.orderNo);
  const keyBody = merchant.merchantPrivateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  expect(keyBody.length).toBeGreaterThan(10);
  for (const secret of [merchant.apiV3Key, ...keyBody.slice(1, -1)]) expect(everything).not.toContain(secret);
  expect(everything).not.toContain('PRIVATE KEY');
});
