/** @jest-environment node */
/**
 * APIv3 notifications over HTTP to a loopback merchant server (reference §2.3, §2.4, §3): certificate
 * mode and the public-key switch-over, signature probes, refund notifications, the platform refund
 * URL, hold/release and slow answers.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { eventually, get, post, send, type SandboxErrorAnswer } from '../helpers/control';
import { startNotifyHarness, type NotifyHarness } from '../helpers/v3notify';
import { decryptResource } from '../helpers/v3client';

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.sandbox.stop());

describe('over HTTP to a loopback server', () => {
  it('signs in certificate mode, or with PUB_KEY_ID_ during the switch-over', async () => {
    const server = await h.loopbackServer();
    try {
      await post(`${h.sandbox.url}/sandbox/v3/merchant`, { signMode: 'certificate' });
      await h.orderAndPay('V3NTF0002', server.url);
      await h.deliveries('V3NTF0002', 1);
      expect(server.received[0].headers['wechatpay-serial']).toBe(h.merchant.platformSerial);
      expect(server.received[0].verified).toBe(true);
      await post(`${h.sandbox.url}/sandbox/v3/config`, { notifyPublicKeyShare: 1 });
      await h.orderAndPay('V3NTF0003', server.url);
      await h.deliveries('V3NTF0003', 1);
      expect(server.received[1].headers['wechatpay-serial']).toBe(h.merchant.publicKeyId);
      expect(server.received[1].verified).toBe(true);
    } finally {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { notifyPublicKeyShare: 0 });
      await post(`${h.sandbox.url}/sandbox/v3/merchant`, { signMode: 'publicKey' });
      server.close();
    }
  });

  it('sends a WECHATPAY/SIGNTEST/ probe first when asked, and records how the merchant answered it', async () => {
    const server = await h.loopbackServer();
    try {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { signProbeRate: 1 });
      await h.orderAndPay('V3NTF0004', server.url);
      const [d] = await h.deliveries('V3NTF0004', 1);
      expect(server.received).toHaveLength(2);
      expect(server.received[0].headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
      expect(server.received[0].verified).toBe(false);
      expect(d).toMatchObject({
        outcome: 'ok',
        answer: { probe: { status: 401, verified: true }, status: 204 },
      });
    } finally {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { signProbeRate: 0 });
      server.close();
    }
  });

  it('notifies a settled refund (REFUND.SUCCESS, AAD refund) at the refund’s notify_url', async () => {
    const server = await h.loopbackServer();
    try {
      await h.orderAndPay('V3NTF0005', server.url);
      await h.deliveries('V3NTF0005', 1);
      await h.client.post('/v3/refund/domestic/refunds', {
        out_trade_no: 'V3NTF0005',
        out_refund_no: 'R-V3NTF0005',
        notify_url: server.url,
        amount: { refund: 40, total: 100, currency: 'CNY' },
      });
      await eventually(
        async () => (server.received.length >= 2 ? true : undefined),
        5000,
        'refund notification',
      );
      const envelope = JSON.parse(server.received[1].body.toString('utf8')) as {
        event_type: string;
        resource: Record<string, string>;
      };
      expect(envelope.event_type).toBe('REFUND.SUCCESS');
      expect(envelope.resource.associated_data).toBe('refund');
      expect(JSON.parse(decryptResource(h.merchant.apiV3Key, envelope.resource))).toMatchObject({
        out_refund_no: 'R-V3NTF0005',
        refund_status: 'SUCCESS',
        amount: { refund: 40, total: 100 },
      });
    } finally {
      server.close();
    }
  });

  it('notifies a refund requested without notify_url at the platform-configured URL (a setting)', async () => {
    const server = await h.loopbackServer();
    try {
      await h.orderAndPay('V3NTF0008', server.url);
      await h.deliveries('V3NTF0008', 1);
      await post(`${h.sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: server.url });
      await h.client.post('/v3/refund/domestic/refunds', {
        out_trade_no: 'V3NTF0008',
        out_refund_no: 'R-V3NTF0008',
        amount: { refund: 100, total: 100, currency: 'CNY' },
      });
      await eventually(
        async () => (server.received.length >= 2 ? true : undefined),
        5000,
        'refund notification',
      );
      expect(JSON.parse(server.received[1].body.toString('utf8'))).toMatchObject({
        event_type: 'REFUND.SUCCESS',
      });
    } finally {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: '' });
      server.close();
    }
  });

  it('a refund the merchant makes on the merchant platform follows the API refund rules and is notified at the platform URL only', async () => {
    const server = await h.loopbackServer();
    try {
      await h.orderAndPay('V3NTF0009', server.url);
      await h.deliveries('V3NTF0009', 1);
      // No URL configured: refunded, no notification.
      const first = await post<{ refund: { outRefundNo: string; refundFee: number; status: string } }>(
        `${h.sandbox.url}/sandbox/pay/refunds`,
        { outTradeNo: 'V3NTF0009', refundFee: 30 },
      );
      expect(first.refund).toMatchObject({ refundFee: 30, status: 'PROCESSING' });
      const byApi = await h.client.get(`/v3/refund/domestic/refunds/${first.refund.outRefundNo}`);
      expect(byApi.json).toMatchObject({
        out_trade_no: 'V3NTF0009',
        status: 'SUCCESS',
        amount: { refund: 30 },
      });
      await post(`${h.sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: server.url });
      // Another the next minute (refunds of one trade a minute apart): the rest, notified there.
      await post(`${h.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 61_000 });
      const rest = await post<{ refund: { outRefundNo: string; refundFee: number } }>(
        `${h.sandbox.url}/sandbox/pay/refunds`,
        { outTradeNo: 'V3NTF0009' },
      );
      expect(rest.refund.refundFee).toBe(70);
      await eventually(
        async () => (server.received.length >= 2 ? true : undefined),
        5000,
        'refund notification',
      );
      expect(server.received).toHaveLength(2);
      const envelope = JSON.parse(server.received[1].body.toString('utf8')) as {
        resource: Record<string, string>;
      };
      expect(JSON.parse(decryptResource(h.merchant.apiV3Key, envelope.resource))).toMatchObject({
        out_trade_no: 'V3NTF0009',
        out_refund_no: rest.refund.outRefundNo,
        refund_status: 'SUCCESS',
      });
      const trade = await h.client.get(
        '/v3/pay/transactions/out-trade-no/V3NTF0009?mchid=' + h.merchant.mchid,
      );
      expect(trade.json).toMatchObject({ trade_state: 'REFUND' });
      // Nothing is left to refund: WeChat's refusal, as a 409 naming it.
      await post(`${h.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 61_000 });
      const none = await send<SandboxErrorAnswer>('POST', `${h.sandbox.url}/sandbox/pay/refunds`, {
        outTradeNo: 'V3NTF0009',
      });
      expect(none.status).toBe(409);
      expect(none.body.error).toMatchObject({ code: 'REFUND_REFUSED', message: '订单已全额退款' });
    } finally {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: '' });
      server.close();
    }
  });

  it('holds and releases notifications, and counts a slow answer as a failure', async () => {
    const slow = await h.loopbackServer();
    try {
      await post(`${h.sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', count: 1, kind: 'payment' });
      await h.orderAndPay('V3NTF0006', slow.url);
      const held = await get<{ notifications: Array<{ status: string }> }>(
        `${h.sandbox.url}/sandbox/pay/notifications?outTradeNo=V3NTF0006`,
      );
      expect(held.notifications[0].status).toBe('held');
      await post(`${h.sandbox.url}/sandbox/pay/callbacks/release`, {});
      expect((await h.deliveries('V3NTF0006', 1))[0].outcome).toBe('ok');
    } finally {
      slow.close();
    }
    const never = http.createServer(() => undefined);
    await new Promise<void>((resolve) => never.listen(0, '127.0.0.1', resolve));
    try {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 300 });
      const { port } = never.address() as AddressInfo;
      await h.orderAndPay('V3NTF0007', `http://127.0.0.1:${port}/notify`);
      const [d] = await h.deliveries('V3NTF0007', 1);
      expect(d).toMatchObject({ outcome: 'error', error: 'no answer within 300 ms' });
    } finally {
      await post(`${h.sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 5000 });
      never.closeAllConnections();
      never.close();
    }
  });
});
