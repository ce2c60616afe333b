/** @jest-environment node */
/**
 * APIv3 notifications through the HTTP access route (reference §3, §10.2): the §3.2 envelope, its
 * resource encrypted under the APIv3 key, signed in the merchant's mode, retried on the §3.1 schedule
 * on the sandbox clock with the same id; what the function receives verifies, and tampering fails.
 */
import { query, seed } from '../helpers/control';
import { OPENID, T0, startNotifyHarness, type NotifyHarness } from '../helpers/v3notify';
import { decryptResource, verifySignature } from '../helpers/v3client';

let h: NotifyHarness;
beforeAll(async () => {
  h = await startNotifyHarness();
});
afterAll(() => h.sandbox.stop());

describe('through the HTTP access route', () => {
  it('retries a notification answered 500 three times and delivers it on the fourth at the scheduled time', async () => {
    await seed(h.sandbox.url, { v3_notify_plan: [{ _id: 'plan', failFirst: 3 }] });
    await h.orderAndPay('V3NTF0001', h.accessUrl);
    const first = await h.deliveries('V3NTF0001', 1);
    expect(first[0]).toMatchObject({
      attempt: 1,
      outcome: 'rejected',
      startedAt: T0,
      answer: { status: 500 },
    });
    await h.advance(15_000);
    await h.deliveries('V3NTF0001', 2);
    await h.advance(15_000);
    await h.deliveries('V3NTF0001', 3);
    await h.advance(29_000);
    expect(await h.deliveries('V3NTF0001', 3)).toHaveLength(3);
    await h.advance(1_000);
    const all = await h.deliveries('V3NTF0001', 4);
    expect(all.map((d) => [d.attempt, d.startedAt - T0, d.outcome])).toEqual([
      [1, 0, 'rejected'],
      [2, 15_000, 'rejected'],
      [3, 30_000, 'rejected'],
      [4, 60_000, 'ok'],
    ]);
    expect(all[3].answer).toEqual({ status: 204, body: '', signedWith: 'publicKey' });

    // What the function received: four integration events, one notification id, each verifiable.
    const events = await query<{ event: { headers: Record<string, string>; body: string } }>(
      h.sandbox.url,
      'v3_notify_events',
    );
    expect(events).toHaveLength(4);
    const bodies = events.map(
      (e) => JSON.parse(e.event.body) as { id: string; resource: Record<string, string> },
    );
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    for (const { event } of events) {
      expect(event.headers['wechatpay-serial']).toBe(h.merchant.publicKeyId);
      expect(verifySignature(h.merchant, new Headers(event.headers), Buffer.from(event.body, 'utf8'))).toBe(
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
    const resource = JSON.parse(decryptResource(h.merchant.apiV3Key, bodies[3].resource)) as Record<
      string,
      unknown
    >;
    expect(resource).toMatchObject({
      mchid: h.merchant.mchid,
      appid: h.merchant.appid,
      out_trade_no: 'V3NTF0001',
      trade_state: 'SUCCESS',
      payer: { openid: OPENID },
      amount: { total: 100, payer_total: 100 },
    });
  });

  it('a tampered notification body fails verification and decryption in the receiver', async () => {
    const [{ event }] = await query<{ event: { headers: Record<string, string>; body: string } }>(
      h.sandbox.url,
      'v3_notify_events',
    );
    const headers = new Headers(event.headers);
    const tampered = event.body.replace('"summary":"支付成功"', '"summary":"支付失败"');
    expect(tampered).not.toBe(event.body);
    expect(verifySignature(h.merchant, headers, Buffer.from(tampered, 'utf8'))).toBe(false);
    const body = JSON.parse(event.body) as { resource: Record<string, string> };
    const flipped = Buffer.from(body.resource.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      decryptResource(h.merchant.apiV3Key, { ...body.resource, ciphertext: flipped.toString('base64') }),
    ).toThrow();
  });
});
