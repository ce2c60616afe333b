/** @jest-environment node */
/**
 * How often an unanswered APIv3 notification is sent (reference §3.6, §11): the 15 retries of the
 * 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h schedule span 24h4m; the setting
 * `notifyRetries: 14` reads "at most 15 notifications" as 15 in all.
 */
import { eventually, get, post } from '../helpers/control';
import { startNotifyHarness, type LoopbackServer, type NotifyHarness } from '../helpers/v3notify';

let h: NotifyHarness;
let refusing: LoopbackServer;
beforeAll(async () => {
  h = await startNotifyHarness();
  refusing = await h.loopbackServer(() => 500);
});
afterAll(async () => {
  refusing.close();
  await h.sandbox.stop();
});

const HOURS_18_4M = (18 * 60 + 4) * 60_000;
const HOURS_6 = 6 * 3600_000;

/** The notification's status once `count` deliveries are done. */
async function after(no: string, count: number): Promise<string> {
  await h.deliveries(no, count);
  return eventually(
    async () => {
      const { notifications } = await get<{ notifications: Array<{ status: string }> }>(
        `${h.sandbox.url}/sandbox/pay/notifications?outTradeNo=${no}`,
      );
      const status = notifications[0]?.status;
      return status === 'pending' || status === 'abandoned' ? status : undefined;
    },
    8000,
    `the notification of ${no} settled`,
  );
}

it('sends a refused payment notification 16 times over 24h4m by default (first + 15 retries)', async () => {
  await h.orderAndPay('V3RTY0001', refusing.url);
  await h.advance(HOURS_18_4M);
  expect(await after('V3RTY0001', 15)).toBe('pending');
  await h.advance(HOURS_6);
  expect(await after('V3RTY0001', 16)).toBe('abandoned');
  expect(await h.deliveries('V3RTY0001', 16)).toHaveLength(16);
});

it('sends it 15 times in all, the last at 18h4m, with notifyRetries 14', async () => {
  await post(`${h.sandbox.url}/sandbox/v3/config`, { notifyRetries: 14 });
  await h.orderAndPay('V3RTY0002', refusing.url);
  await h.advance(HOURS_18_4M - 1000);
  expect(await after('V3RTY0002', 14)).toBe('pending');
  await h.advance(1000);
  expect(await after('V3RTY0002', 15)).toBe('abandoned');
  expect(await h.deliveries('V3RTY0002', 15)).toHaveLength(15);
});
