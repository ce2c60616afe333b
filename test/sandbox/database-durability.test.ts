/** @jest-environment node */
/**
 * Durability: the built sandbox under a write load from the real wx-server-sdk is killed with
 * SIGKILL, restarted on the same data folder, and every write it had acknowledged is there.
 */
import cloud from 'wx-server-sdk';
import { startSandboxProcess, type OwnSandboxProcess } from '../helpers/sandbox';

// Without this the SDK probes metadata.tencentyun.com (30 ms timeout, uncached on failure) on every request.
process.env.TENCENTCLOUD = 'true';
// The SDK's 3 s slow-request warning timer is not cleared when a request fails (e.g. after SIGKILL).
process.env.SILENCE = 'true';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK edge: its typings return unions with void
type Loose = any;

let sandbox: OwnSandboxProcess | undefined;
afterEach(async () => {
  await sandbox?.stop('SIGKILL');
});

function connect(url: string): Loose {
  cloud.init({ env: 'test-env', serviceUrl: `${url}/admin`, secretId: 'x', secretKey: 'y' } as Loose);
  return cloud.database();
}

it('keeps every acknowledged write across SIGKILL during a write load', async () => {
  // A process of its own: killed below.
  sandbox = await startSandboxProcess({ process: true });
  const { dataDir } = sandbox;
  let db = connect(sandbox.url);
  const _ = db.command;
  await db
    .collection('durable')
    .doc('counter')
    .set({ data: { n: 0 } });

  const acknowledged: string[] = [];
  let increments = 0;
  let attempted = 0;
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const id = `w${w}-${i}`;
      try {
        await db.collection('durable').add({ data: { _id: id, w, i, at: db.serverDate() } });
        acknowledged.push(id);
        attempted++;
        await db
          .collection('durable')
          .doc('counter')
          .update({ data: { n: _.inc(1) } });
        increments++;
      } catch {
        return; // the sandbox is gone
      }
    }
  };
  const writers = Array.from({ length: 6 }, (_x, w) => writer(w));
  while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 20));
  await sandbox.stop('SIGKILL');
  stop = true;
  await Promise.all(writers);
  expect(sandbox.child.signalCode).toBe('SIGKILL');

  // Same port: the SDK keeps the first serviceUrl it was given for an env.
  sandbox = await startSandboxProcess({ dataDir, port: Number(new URL(sandbox.url).port), process: true });
  db = connect(sandbox.url);
  const found = new Set<string>();
  for (let skip = 0; ; skip += 1000) {
    const page = await db
      .collection('durable')
      .where({ w: db.command.gte(0) })
      .skip(skip)
      .limit(1000)
      .get();
    for (const d of page.data as Array<{ _id: string }>) found.add(d._id);
    if (page.data.length < 1000) break;
  }
  const missing = acknowledged.filter((id) => !found.has(id));
  expect(missing).toEqual([]);
  const counter = (await db.collection('durable').doc('counter').get()).data as { n: number };
  expect(counter.n).toBeGreaterThanOrEqual(increments);
  expect(counter.n).toBeLessThanOrEqual(attempted);
}, 60000);
