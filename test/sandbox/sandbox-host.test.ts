/** @jest-environment node */
/**
 * The jest worker's sandbox host (test/helpers/sandbox-host.ts), which runs the suites' sandboxes in
 * one process: each sandbox is still a fresh one, and a sandbox closed in the middle of its work
 * (a function call in flight, whose answer would be written) takes nothing else down with it.
 */
import { get, post, query, seed } from '../helpers/control';
import { startSandboxProcess } from '../helpers/sandbox';
import { hostPid } from '../helpers/sandbox-hosted';
import { startPaySdk } from '../helpers/paysdk';
import { SHIPPING_FIXTURES } from '../helpers/shipping';

const hosting = process.env.PAYKIT_TEST_SANDBOX_HOST !== '0';

test('a sandbox in the host starts fresh: nothing of the one before, the clock running', async () => {
  const first = await startSandboxProcess();
  expect(Boolean(first.child)).toBe(!hosting);
  await seed(first.url, { paykit_products: [{ _id: 'left-behind', name: '旧', price: 1, active: true }] });
  await post(`${first.url}/sandbox/clock`, { action: 'freeze', at: Date.parse('2024-03-15T12:00:00+08:00') });
  await first.stop();

  const second = await startSandboxProcess();
  try {
    expect(second.url).not.toBe(first.url);
    expect(await query(second.url, 'paykit_products', { _id: 'left-behind' })).toEqual([]);
    // The demo catalogue a fresh data folder is seeded with.
    expect((await query(second.url, 'paykit_products')).length).toBeGreaterThan(0);
    const { clock } = await get<{ clock: { frozen: boolean } }>(`${second.url}/sandbox/status`);
    expect(clock.frozen).toBe(false);
  } finally {
    await second.stop();
  }
});

test('a sandbox stopped while a shipping event is being delivered leaves the next one serving', async () => {
  const sdk = await startPaySdk([...SHIPPING_FIXTURES, 'sleeper']);
  const host = hostPid();
  expect(host !== undefined).toBe(hosting);
  // The push is recorded as pending at once, then delivered to a function that takes 2 s: the
  // sandbox stops meanwhile, its instance is killed, and the failed delivery is not written.
  await post(`${sdk.base}/sandbox/shipping/config`, { eventFunction: 'sleeper' });
  const emitted = post(`${sdk.base}/sandbox/shipping/events/emit`, {
    event: 'trade_manage_remind_access_api',
  });
  emitted.catch(() => undefined);
  const pending = async () =>
    (await get<{ events: Array<{ status: string }> }>(`${sdk.base}/sandbox/shipping/events`)).events;
  for (let i = 0; i < 400 && !(await pending()).length; i++) await new Promise((r) => setTimeout(r, 5));
  expect((await pending()).map((e) => e.status)).toEqual(['pending']);
  await sdk.stop();
  await emitted.catch(() => undefined);

  const next = await startSandboxProcess();
  try {
    // The same host: the late answer did not crash it.
    expect(hostPid()).toBe(host);
    const status = await get<{ envId: string }>(`${next.url}/sandbox/status`);
    expect(status.envId).toBe(next.envId);
  } finally {
    await next.stop();
  }
});
