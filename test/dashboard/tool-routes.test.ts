/** @jest-environment node */
/**
 * The tool pages' routes (`/sandbox/dashboard/fault-choices`, `db`, `db/query`, `db/doc`, `bill`)
 * called as an attacker would: every bad input is a 4xx in the one error shape naming what is
 * expected, nothing is written by a refused edit, and a foreign Origin or a simple (non-JSON)
 * cross-site request drives nothing. The fault choices are exactly what the faults route accepts.
 */
import demo from '../../sandbox/seed/demo.json';
import { get, post } from '../helpers/control';
import { EVIL, JSON_TYPE, errorOf, raw } from '../helpers/raw-http';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

describe('the dashboard tool routes (npm start)', () => {
  let sandbox: SandboxProcess;
  let base: string;

  const latte = async () =>
    (await get<{ data: Record<string, unknown> }>(`${base}/sandbox/db/paykit_products/coffee-latte`)).data;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    base = sandbox.url;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('collections and a query in the SDK language', async () => {
    const { collections } = await get<{ collections: Array<{ name: string; count: number }> }>(
      `${base}/sandbox/dashboard/db`,
    );
    // The demo seed a newcomer's `npm start` loads.
    expect(collections).toContainEqual({ name: 'paykit_products', count: demo.paykit_products.length });
    const found = await post<{ documents: Array<{ _id: string }>; total: number }>(
      `${base}/sandbox/dashboard/db/query`,
      { collection: 'paykit_products', where: { active: false }, limit: 10 },
    );
    expect(found).toEqual({
      documents: demo.paykit_products.filter((p) => !p.active),
      total: 1,
    });
    const limited = await post<{ documents: unknown[]; total: number }>(
      `${base}/sandbox/dashboard/db/query`,
      {
        collection: 'paykit_products',
        where: { price: { $lt: 5000 } },
        limit: 2,
      },
    );
    expect(limited.documents).toHaveLength(2);
    expect(limited.total).toBe(demo.paykit_products.filter((p) => p.price < 5000).length);
  });

  test('hostile queries and edits get a 4xx naming what is expected, and write nothing', async () => {
    const before = await latte();
    const bad: Array<[string, unknown, number, string]> = [
      ['db/query', { where: {} }, 400, 'collection must be a non-empty string'],
      ['db/query', { collection: 'nope' }, 404, 'no collection "nope"'],
      ['db/query', { collection: 'paykit_products', where: [] }, 400, 'where must be an object'],
      ['db/query', { collection: 'paykit_products', where: 'status' }, 400, 'where must be an object'],
      ['db/query', { collection: 'paykit_products', limit: 1000 }, 400, 'limit must be at most 200'],
      ['db/query', { collection: 'paykit_products', limit: 'all' }, 400, 'limit must be a whole number'],
      ['db/query', { collection: 'paykit_products', where: { price: { $where: 'x' } } }, 400, ''],
      ['db/query', { collection: 'paykit_products', where: { at: { $date: 'never' } } }, 400, ''],
      ['db/doc', { collection: 'paykit_products', id: 'coffee-latte' }, 400, 'doc must be a JSON object'],
      [
        'db/doc',
        { collection: 'paykit_products', id: 'coffee-latte', doc: [] },
        400,
        'doc must be a JSON object',
      ],
      [
        'db/doc',
        { collection: 'paykit_products', id: 'coffee-latte', doc: { _id: 'other', price: 1 } },
        400,
        'doc._id must stay "coffee-latte"',
      ],
      [
        'db/doc',
        { collection: 'paykit_products', id: 'no-such', doc: { price: 1 } },
        404,
        'no document "no-such"',
      ],
      ['db/doc', { collection: 'nope', id: 'x', doc: {} }, 404, 'no collection'],
      [
        'db/doc',
        { collection: 'paykit_products', id: 'coffee-latte', doc: { price: { $date: 'x' } } },
        400,
        '',
      ],
    ];
    for (const [route, body, status, message] of bad) {
      const answer = await raw(base, 'POST', `/sandbox/dashboard/${route}`, JSON_TYPE, JSON.stringify(body));
      expect({ body, status: answer.status }).toEqual({ body, status });
      expect(errorOf(answer).message).toContain(message);
    }
    const notJson = await raw(base, 'POST', '/sandbox/dashboard/db/doc', JSON_TYPE, '{"collection":');
    expect(errorOf(notJson).code).toBe('INVALID_PARAM');
    expect(await latte()).toEqual(before);
  });

  test('a cross-site page cannot edit a document', async () => {
    const before = await latte();
    const body = JSON.stringify({ collection: 'paykit_products', id: 'coffee-latte', doc: { price: 1 } });
    const foreign = await raw(
      base,
      'POST',
      '/sandbox/dashboard/db/doc',
      { ...JSON_TYPE, origin: EVIL },
      body,
    );
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign).code).toBe('FORBIDDEN_ORIGIN');
    // A form post or no-cors fetch: a simple request without the JSON type.
    const simple = await raw(
      base,
      'POST',
      '/sandbox/dashboard/db/doc',
      { 'content-type': 'text/plain' },
      body,
    );
    expect(simple.status).toBe(415);
    expect(await latte()).toEqual(before);
  });

  test('the bill route: a calendar day, a day with trades', async () => {
    for (const [route, status, message] of [
      ['/sandbox/dashboard/bill', 400, 'day must be a calendar day'],
      ['/sandbox/dashboard/bill?day=2024-02-30', 400, 'day must be a calendar day'],
      ['/sandbox/dashboard/bill?day=20240301', 400, 'day must be a calendar day'],
      ['/sandbox/dashboard/bill?day=2020-01-01', 404, 'no bill for 2020-01-01'],
    ] as const) {
      const answer = await raw(base, 'GET', route);
      expect({ route, status: answer.status }).toEqual({ route, status });
      expect(errorOf(answer).message).toContain(message);
    }
  });

  test('every fault choice is accepted by the faults route, and nothing else', async () => {
    const { targets } = await get<{ targets: Array<{ api: string; errors: string[] }> }>(
      `${base}/sandbox/dashboard/fault-choices`,
    );
    expect(targets.map((t) => t.api)).toEqual(
      expect.arrayContaining([
        '*',
        'unifiedOrder',
        'downloadBill',
        'v3.jsapi',
        'v3.billdownload',
        'refundResult',
      ]),
    );
    for (const t of targets) {
      for (const error of t.errors) {
        // SLOW takes its delay, as the dashboard's form asks for it.
        const delay = error === 'SLOW' ? { delayMs: 1 } : {};
        const answer = await raw(
          base,
          'POST',
          '/sandbox/pay/faults',
          JSON_TYPE,
          JSON.stringify({ api: t.api, error, ...delay }),
        );
        expect({ api: t.api, error, status: answer.status }).toEqual({ api: t.api, error, status: 200 });
      }
      const wrong = await raw(
        base,
        'POST',
        '/sandbox/pay/faults',
        JSON_TYPE,
        JSON.stringify({ api: t.api, error: 'NOPE' }),
      );
      expect(errorOf(wrong).message).toContain(`use one of ${t.errors.join(', ')}`);
    }
    await raw(base, 'DELETE', '/sandbox/pay/faults', JSON_TYPE, '{}');
  });
});
