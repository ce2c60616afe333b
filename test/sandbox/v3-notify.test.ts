/** @jest-environment node */
/**
 * APIv3 notifications over real HTTP (reference §3): the envelope encrypted under the APIv3 key and
 * signed in the merchant's mode, delivered through the HTTP access route to a function or over HTTP
 * to a loopback server, retried on the §3.1 schedule on the sandbox clock with the same id, probes
 * and the public-key switch-over as settings, and callback faults as for cloudPay.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { eventually, get, post, query, seed } from '../helpers/control';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import {
  V3Client,
  decryptResource,
  readMerchant,
  verifySignature,
  type MerchantFile,
} from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
let client: V3Client;
let accessUrl: string;
const OPENID = 'oV3PayerOpenid0001';
const T0 = Date.UTC(2024, 2, 15, 2, 0, 0);

interface Delivery {
  attempt: number;
  startedAt: number;
  outcome: string;
  answer?: Record<string, unknown>;
  error?: string;
  event: Record<string, unknown>;
}

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['v3Notify']), '--route', '/paykit/v3/notify=v3Notify'],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
  const { domain } = await get<{ domain: string }>(`${sandbox.url}/sandbox/access/routes`);
  accessUrl = `https://${domain}/paykit/v3/notify`;
  await post(`${sandbox.url}/sandbox/clock`, { action: 'freeze', at: T0 });
});
afterAll(() => sandbox.stop());

async function orderAndPay(no: string, notifyUrl: string): Promise<void> {
  const order = await client.order(no, { notify_url: notifyUrl });
  expect(order.status).toBe(200);
  const paid = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
    ...client.payment(order.json.prepay_id as string),
    openid: OPENID,
  });
  expect(paid.errMsg).toBe('requestPayment:ok');
}

async function deliveries(no: string, count: number): Promise<Delivery[]> {
  return eventually(
    async () => {
      const { deliveries: list } = await get<{ deliveries: Delivery[] }>(
        `${sandbox.url}/sandbox/pay/deliveries?outTradeNo=${no}`,
      );
      const done = list.filter((d) => d.outcome !== 'pending');
      return done.length >= count ? done : undefined;
    },
    8000,
    `${count} deliveries of ${no}`,
  );
}

const advance = (ms: number) => post(`${sandbox.url}/sandbox/clock`, { action: 'advance', ms });

/** A loopback merchant server that verifies what it gets, answering 204 or 401 (failed verification). */
async function loopbackServer(answer = (verified: boolean) => (verified ? 204 : 401)) {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: Buffer; verified: boolean }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = new Headers(req.headers as Record<string, string>);
      const verified = verifySignature(merchant, headers, body);
      received.push({ headers: req.headers, body, verified });
      res.writeHead(answer(verified));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { received, url: `http://127.0.0.1:${port}/wxpay/notify`, close: () => server.close() };
}

describe('through the HTTP access route', () => {
  it('retries a notification answered 500 three times and delivers it on the fourth at the scheduled time', async () => {
    await seed(sandbox.url, { v3_notify_plan: [{ _id: 'plan', failFirst: 3 }] });
    await orderAndPay('V3NTF0001', accessUrl);
    const first = await deliveries('V3NTF0001', 1);
    expect(first[0]).toMatchObject({
      attempt: 1,
      outcome: 'rejected',
      startedAt: T0,
      answer: { status: 500 },
    });
    await advance(15_000);
    await deliveries('V3NTF0001', 2);
    await advance(15_000);
    await deliveries('V3NTF0001', 3);
    await advance(29_000);
    expect(await deliveries('V3NTF0001', 3)).toHaveLength(3);
    await advance(1_000);
    const all = await deliveries('V3NTF0001', 4);
    expect(all.map((d) => [d.attempt, d.startedAt - T0, d.outcome])).toEqual([
      [1, 0, 'rejected'],
      [2, 15_000, 'rejected'],
      [3, 30_000, 'rejected'],
      [4, 60_000, 'ok'],
    ]);
    expect(all[3].answer).toEqual({ status: 204, body: '', signedWith: 'publicKey' });

    // What the function received: four integration events, one notification id, each verifiable.
    const events = await query<{ event: { headers: Record<string, string>; body: string } }>(
      sandbox.url,
      'v3_notify_events',
    );
    expect(events).toHaveLength(4);
    const bodies = events.map(
      (e) => JSON.parse(e.event.body) as { id: string; resource: Record<string, string> },
    );
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    for (const { event } of events) {
      expect(event.headers['wechatpay-serial']).toBe(merchant.publicKeyId);
      expect(verifySignature(merchant, new Headers(event.headers), Buffer.from(event.body, 'utf8'))).toBe(
        true,
      );
    }
    expect(events.map((e) => Number(e.event.headers['wechatpay-timestamp']))).toEqual(
      [0, 15, 30, 60].map((s) => T0 / 1000 + s),
    );
    const envelope = JSON.parse(events[3].event.body) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual([
      'id',
      'create_time',
      'resource_type',
      'event_type',
      'summary',
      'resource',
    ]);
    expect(envelope).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', summary: '支付成功' });
    const resource = JSON.parse(decryptResource(merchant.apiV3Key, bodies[3].resource)) as Record<
      string,
      unknown
    >;
    expect(resource).toMatchObject({
      mchid: merchant.mchid,
      appid: merchant.appid,
      out_trade_no: 'V3NTF0001',
      trade_state: 'SUCCESS',
      payer: { openid: OPENID },
      amount: { total: 100, payer_total: 100 },
    });
  });

  it('a tampered notification body fails verification and decryption in the receiver', async () => {
    const [{ event }] = await query<{ event: { headers: Record<string, string>; body: string } }>(
      sandbox.url,
      'v3_notify_events',
    );
    const headers = new Headers(event.headers);
    const tampered = event.body.replace('"summary":"支付成功"', '"summary":"支付失败"');
    expect(tampered).not.toBe(event.body);
    expect(verifySignature(merchant, headers, Buffer.from(tampered, 'utf8'))).toBe(false);
    const body = JSON.parse(event.body) as { resource: Record<string, string> };
    const flipped = Buffer.from(body.resource.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      decryptResource(merchant.apiV3Key, { ...body.resource, ciphertext: flipped.toString('base64') }),
    ).toThrow();
  });
});

describe('over HTTP to a loopback server', () => {
  it('signs in certificate mode, or with PUB_KEY_ID_ during the switch-over', async () => {
    const server = await loopbackServer();
    try {
      await post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'certificate' });
      await orderAndPay('V3NTF0002', server.url);
      await deliveries('V3NTF0002', 1);
      expect(server.received[0].headers['wechatpay-serial']).toBe(merchant.platformSerial);
      expect(server.received[0].verified).toBe(true);
      await post(`${sandbox.url}/sandbox/v3/config`, { notifyPublicKeyShare: 1 });
      await orderAndPay('V3NTF0003', server.url);
      await deliveries('V3NTF0003', 1);
      expect(server.received[1].headers['wechatpay-serial']).toBe(merchant.publicKeyId);
      expect(server.received[1].verified).toBe(true);
    } finally {
      await post(`${sandbox.url}/sandbox/v3/config`, { notifyPublicKeyShare: 0 });
      await post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'publicKey' });
      server.close();
    }
  });

  it('sends a WECHATPAY/SIGNTEST/ probe first when asked, and records how the merchant answered it', async () => {
    const server = await loopbackServer();
    try {
      await post(`${sandbox.url}/sandbox/v3/config`, { signProbeRate: 1 });
      await orderAndPay('V3NTF0004', server.url);
      const [d] = await deliveries('V3NTF0004', 1);
      expect(server.received).toHaveLength(2);
      expect(server.received[0].headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
      expect(server.received[0].verified).toBe(false);
      expect(d).toMatchObject({
        outcome: 'ok',
        answer: { probe: { status: 401, verified: true }, status: 204 },
      });
    } finally {
      await post(`${sandbox.url}/sandbox/v3/config`, { signProbeRate: 0 });
      server.close();
    }
  });

  it('notifies a settled refund (REFUND.SUCCESS, AAD refund) at the refund’s notify_url', async () => {
    const server = await loopbackServer();
    try {
      await orderAndPay('V3NTF0005', server.url);
      await deliveries('V3NTF0005', 1);
      await client.post('/v3/refund/domestic/refunds', {
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
      expect(JSON.parse(decryptResource(merchant.apiV3Key, envelope.resource))).toMatchObject({
        out_refund_no: 'R-V3NTF0005',
        refund_status: 'SUCCESS',
        amount: { refund: 40, total: 100 },
      });
    } finally {
      server.close();
    }
  });

  it('notifies a refund requested without notify_url at the platform-configured URL (a setting)', async () => {
    const server = await loopbackServer();
    try {
      await orderAndPay('V3NTF0008', server.url);
      await deliveries('V3NTF0008', 1);
      await post(`${sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: server.url });
      await client.post('/v3/refund/domestic/refunds', {
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
      await post(`${sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: '' });
      server.close();
    }
  });

  it('holds and releases notifications, and counts a slow answer as a failure', async () => {
    const slow = await loopbackServer();
    try {
      await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', count: 1, kind: 'payment' });
      await orderAndPay('V3NTF0006', slow.url);
      const held = await get<{ notifications: Array<{ status: string }> }>(
        `${sandbox.url}/sandbox/pay/notifications?outTradeNo=V3NTF0006`,
      );
      expect(held.notifications[0].status).toBe('held');
      await post(`${sandbox.url}/sandbox/pay/callbacks/release`, {});
      expect((await deliveries('V3NTF0006', 1))[0].outcome).toBe('ok');
    } finally {
      slow.close();
    }
    const never = http.createServer(() => undefined);
    await new Promise<void>((resolve) => never.listen(0, '127.0.0.1', resolve));
    try {
      await post(`${sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 300 });
      const { port } = never.address() as AddressInfo;
      await orderAndPay('V3NTF0007', `http://127.0.0.1:${port}/notify`);
      const [d] = await deliveries('V3NTF0007', 1);
      expect(d).toMatchObject({ outcome: 'error', error: 'no answer within 300 ms' });
    } finally {
      await post(`${sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 5000 });
      never.closeAllConnections();
      never.close();
    }
  });
});
