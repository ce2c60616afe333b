/** @jest-environment node */
/**
 * The apiv3 provider in WeChat's two signing modes: certificate mode (no public key configured: the
 * platform certificates are downloaded from /v3/certificates, decrypted with the APIv3 key and
 * cached), and the switch-over, in which notifications come signed by either the platform
 * certificate or the WeChat Pay public key and both must verify.
 */
import { get, post, query } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

const ALICE = 'o-alice-modes';

async function payOnce(sandbox: SandboxProcess, kit: KitClient) {
  const placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'tea-oolong', quantity: 1 }] });
  expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
  const { deliveries } = await get<{
    deliveries: Array<{ outTradeNo: string; answer?: { status: number; signedWith: string } }>;
  }>(`${sandbox.url}/sandbox/pay/deliveries?kind=payment`);
  return deliveries.filter((d) => d.outTradeNo === `${placed.orderNo}A01`);
}

describe('certificate mode', () => {
  let sandbox: SandboxProcess;
  let kit: KitClient;

  beforeAll(async () => {
    // No WeChat Pay public key in the kit's configuration: it must use the platform certificate.
    sandbox = await startSandboxProcess({
      args: [
        '--provider',
        'apiv3',
        '--fn-env',
        'PAYKIT_WECHATPAY_PUBLIC_KEY_ID=,PAYKIT_WECHATPAY_PUBLIC_KEY=',
      ],
    });
    kit = new KitClient(sandbox.url);
    await post(`${sandbox.url}/sandbox/v3/merchant`, {
      signMode: 'certificate',
      hasPlatformCertificate: true,
    });
    await kit.clock('freeze');
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('answers and notifications verify with the downloaded platform certificate', async () => {
    const deliveries = await payOnce(sandbox, kit);
    expect(deliveries).toEqual([
      expect.objectContaining({
        answer: expect.objectContaining({ status: 204, signedWith: 'certificate' }),
      }),
    ]);
  });
});

describe('switch-over to the WeChat Pay public key', () => {
  let sandbox: SandboxProcess;
  let kit: KitClient;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ args: ['--provider', 'apiv3'] });
    kit = new KitClient(sandbox.url);
    // WeChat signs with the certificate, and moves notifications to the public key gradually.
    await post(`${sandbox.url}/sandbox/v3/merchant`, {
      signMode: 'certificate',
      hasPlatformCertificate: true,
    });
    await post(`${sandbox.url}/sandbox/v3/config`, { notifyPublicKeyShare: 0.5 });
    await kit.clock('freeze');
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('notifications signed by either key are accepted', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      for (const d of await payOnce(sandbox, kit)) {
        expect(d.answer?.status).toBe(204);
        seen.add(d.answer!.signedWith);
      }
    }
    expect([...seen].sort()).toEqual(['certificate', 'publicKey']);
    expect(await query(sandbox.url, 'paykit_orders', { openid: ALICE, status: 'NOTPAY' })).toHaveLength(0);
  });
});
