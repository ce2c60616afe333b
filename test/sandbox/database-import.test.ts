/** @jest-environment node */
/**
 * `POST /sandbox/db/import` is all or nothing: a seed refused for one bad document leaves the
 * database as it was, the collections it would have created included, and the database keeps
 * answering the control routes, the dashboard and wx-server-sdk as before.
 */
import cloud from 'wx-server-sdk';
import { get, readDoc, send, type SandboxErrorAnswer } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

// Without this the SDK probes metadata.tencentyun.com on every request.
process.env.TENCENTCLOUD = 'true';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK edge: its typings return unions with void
type Loose = any;

let sandbox: SandboxProcess;
let base: string;
let db: Loose;

const exported = () => get<Record<string, unknown[]>>(`${base}/sandbox/db/export`);
const collectionNames = async () =>
  (await get<{ collections: Array<{ name: string }> }>(`${base}/sandbox/dashboard/db`)).collections.map(
    (c) => c.name,
  );

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  base = sandbox.url;
  cloud.init({ env: sandbox.envId, serviceUrl: `${base}/admin`, secretId: 'x', secretKey: 'y' } as Loose);
  db = cloud.database();
});

afterAll(async () => {
  await sandbox?.stop();
});

test('an import refused for one bad document creates no collection, and every reader and writer still works', async () => {
  const before = await exported();
  expect(Object.keys(before)).not.toContain('paykit_bills');
  const refused = await send<SandboxErrorAnswer>('POST', `${base}/sandbox/db/import`, {
    paykit_bills: [],
    zfresh: [{ _id: 'a', n: 1 }],
    zbad: [{ _id: 'b', x: { $date: 'garbage' } }],
  });
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({ code: 'INVALID_PARAM' });
  expect(refused.body.error.message).toMatch(/zbad\[0\] holds an invalid date/);

  expect(await exported()).toEqual(before);
  const names = await collectionNames();
  expect(names).toEqual(Object.keys(before).sort());
  // A collection that does not exist reads like a document that does not: null, as export and
  // query answer an empty list for it.
  expect(await readDoc(base, 'zbad', 'b')).toBeNull();
  expect(await readDoc(base, 'zfresh', 'a')).toBeNull();

  // What the kit's downloadBill does first: document.set in a collection nobody created yet.
  await db
    .collection('paykit_bills')
    .doc('bill-20240506')
    .set({ data: { day: '2024-05-06' } });
  expect((await db.collection('paykit_bills').doc('bill-20240506').get()).data).toEqual({
    _id: 'bill-20240506',
    day: '2024-05-06',
  });
  expect((await exported()).paykit_bills).toEqual([{ _id: 'bill-20240506', day: '2024-05-06' }]);
});

test('a collection named __proto__ is refused, by import and by the SDK alike, so no export loses it', async () => {
  const before = await exported();
  // Written out: in an object literal __proto__ would set the prototype, not a key.
  const refused = await send<SandboxErrorAnswer>(
    'POST',
    `${base}/sandbox/db/import`,
    '{"zkept":[{"_id":"k"}],"__proto__":[{"_id":"x","n":1}]}',
  );
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({
    code: 'INVALID_PARAM',
    message: expect.stringMatching(/invalid collection name "__proto__"/),
  });
  expect(await exported()).toEqual(before);

  const sdkError = await db
    .collection('__proto__')
    .add({ data: { n: 1 } })
    .then(
      () => undefined,
      (err: Error) => err,
    );
  expect(sdkError?.message).toMatch(/invalid collection name "__proto__"/);
  expect(await collectionNames()).not.toContain('__proto__');
});
