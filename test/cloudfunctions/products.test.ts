/** @jest-environment node */
/**
 * listProducts, the built bundle through the real wx-server-sdk in a sandbox started with its
 * defaults (the demo catalogue of sandbox/seed/demo.json): anyone may read the catalogue, with or
 * without an openid; only what unifiedOrder would sell is listed, at the price it would charge; cursor
 * pages in sku order; and junk input answers INVALID_PARAM, never a crash.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { ListProductsResult } from '../../typings/paykit/functions';
import { get, post, seed } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const BUYER = 'o-products-buyer';

/** The demo seed's products for sale, in sku order (retired-mug is inactive). */
const DEMO = [
  { sku: 'cake-cheese', name: '芝士蛋糕', price: 3200, active: true, delivery: 'self-pickup' },
  { sku: 'coffee-latte', name: '拿铁咖啡', price: 2800, active: true, delivery: 'same-city' },
  { sku: 'sticker-pack', name: '贴纸一套', price: 1, active: true, delivery: 'express' },
  { sku: 'tea-oolong', name: '乌龙茶', price: 1600, active: true, delivery: 'express' },
  { sku: 'voucher-coffee', name: '咖啡电子兑换券', price: 2500, active: true, delivery: 'virtual' },
];

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  kit = new KitClient(sandbox.url);
});

afterAll(async () => {
  await sandbox?.stop();
});

/** Invokes the function as the cloud would, with no caller at all (openid undefined). */
async function invokeAnonymous(data: unknown): Promise<PaykitResponse<ListProductsResult>> {
  const { result } = await post<{ result: PaykitResponse<ListProductsResult> }>(
    `${sandbox.url}/sandbox/functions/listProducts/invoke`,
    { data },
  );
  return result;
}

/** Every page from the first, with `pageSize`, as the mini-program would walk them. */
async function allPages(pageSize: number): Promise<{ skus: string[]; pages: number }> {
  const skus: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await kit.ok(BUYER, 'listProducts', { pageSize, ...(cursor ? { cursor } : {}) });
    pages++;
    expect(page.products.length).toBeLessThanOrEqual(pageSize);
    skus.push(...page.products.map((p) => p.sku));
    if (!page.nextCursor) return { skus, pages };
    cursor = page.nextCursor;
  }
}

describe('listProducts on the default sandbox', () => {
  test('lists the demo catalogue in sku order, prices in fen, inactive ones left out', async () => {
    const page = await kit.ok(BUYER, 'listProducts', {});
    expect(page).toEqual({ products: DEMO, nextCursor: null });
  });

  test('needs no openid: the catalogue is public', async () => {
    expect(await invokeAnonymous({})).toEqual({ ok: true, data: { products: DEMO, nextCursor: null } });
  });

  test('a listed product is sold at the listed price', async () => {
    const [, latte] = (await kit.ok(BUYER, 'listProducts', {})).products;
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: latte.sku, quantity: 2 }] });
    expect(placed.totalFee).toBe(latte.price * 2);
  });
});

describe('listProducts paging and what it lists', () => {
  beforeAll(async () => {
    await seed(sandbox.url, {
      paykit_products: [
        ...Array.from({ length: 9 }, (_, i) => ({
          _id: `page-${i}`,
          name: `分页商品 ${i}`,
          price: 100 + i,
          active: true,
        })),
        // For sale: `active` missing counts as active, as unifiedOrder treats it.
        { _id: 'page-implicit', name: '默认在售', price: 500 },
        // Not for sale: unifiedOrder would refuse each of these.
        { _id: 'page-off', name: '下架', price: 100, active: false },
        { _id: 'page-float', name: '小数价格', price: 9.9, active: true },
        { _id: 'page-string', name: '字符串价格', price: '990', active: true },
        { _id: 'page-zero', name: '零元', price: 0, active: true },
        { _id: 'page-noname', price: 100, active: true },
        { _id: 'page-odd id', name: '不是 sku 的 _id', price: 100, active: true },
        { _id: 'page-teleport', name: '未知配送方式', price: 100, active: true, delivery: 'teleport' },
      ],
    });
  });

  test('walks every product for sale exactly once, in sku order, by cursor', async () => {
    const expected = [
      ...DEMO.map((p) => p.sku),
      ...Array.from({ length: 9 }, (_, i) => `page-${i}`),
      'page-implicit',
    ].sort();
    for (const pageSize of [1, 3, 4, 50]) {
      const { skus, pages } = await allPages(pageSize);
      expect(skus).toEqual(expected);
      if (pageSize === 50) expect(pages).toBe(1);
    }
  });

  test('left-out documents still advance the cursor (a page may hold fewer than pageSize)', async () => {
    const empty: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await kit.ok(BUYER, 'listProducts', { pageSize: 1, ...(cursor ? { cursor } : {}) });
      if (!page.products.length) empty.push(cursor ?? '');
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    // One empty page per document unifiedOrder would not sell (page-off is not even looked at),
    // including one whose _id is no sku: the cursor after it still works.
    expect(empty).toHaveLength(6);
    const { products } = await kit.ok(BUYER, 'listProducts', { pageSize: 50 });
    expect(products.find((p) => p.sku === 'page-implicit')).toEqual({
      sku: 'page-implicit',
      name: '默认在售',
      price: 500,
      active: true,
      delivery: 'express',
    });
    for (const hidden of [
      'page-off',
      'page-float',
      'page-string',
      'page-zero',
      'page-noname',
      'page-odd id',
      'page-teleport',
      'retired-mug',
    ])
      expect(products.some((p) => p.sku === hidden)).toBe(false);
    // unifiedOrder refuses each of them too (a nameless product fails at WeChat Pay: no body).
    for (const hidden of ['page-float', 'page-string', 'page-zero', 'page-noname']) {
      const res = await kit.call(BUYER, 'unifiedOrder', { items: [{ sku: hidden, quantity: 1 }] });
      expect(res.ok).toBe(false);
    }
  });
});

describe('listProducts with hostile input', () => {
  const BAD: unknown[] = [
    { pageSize: 0 },
    { pageSize: 51 },
    { pageSize: 1.5 },
    { pageSize: '10' },
    { pageSize: null },
    { pageSize: Number.MAX_SAFE_INTEGER + 2 },
    { pageSize: { $gt: 0 } },
    { cursor: 'not-a-cursor' },
    { cursor: '' },
    { cursor: 42 },
    { cursor: ['a'] },
    { cursor: { $gt: '' } },
    { cursor: 'x'.repeat(5000) },
    // Well-formed base64url of a sku without the prefix, of an empty and of an overlong _id.
    { cursor: Buffer.from('coffee-latte').toString('base64url') },
    { cursor: Buffer.from('p:').toString('base64url') },
    { cursor: Buffer.from(`p:${'a'.repeat(257)}`).toString('base64url') },
    // The right cursor with a character that base64url decoding drops.
    { cursor: `${Buffer.from('p:coffee-latte').toString('base64url')}!` },
  ];

  test.each(BAD.map((b) => [JSON.stringify(b).slice(0, 60), b]))(
    '%s answers INVALID_PARAM',
    async (_, data) => {
      const res = await kit.call(BUYER, 'listProducts', data as Record<string, unknown>);
      expect(res).toEqual(
        expect.objectContaining({ ok: false, code: 'INVALID_PARAM', message: expect.any(String) }),
      );
    },
  );

  test('events that are not objects answer INVALID_PARAM', async () => {
    // (A null event reaches the function as {} through the invoke route.)
    for (const data of [7, 'x', [], true]) {
      expect(await invokeAnonymous(data)).toEqual(
        expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
      );
    }
  });

  test('a deterministic fuzz of events: ok or INVALID_PARAM, nothing logged as an error', async () => {
    let seedValue = 20261201;
    const rand = () => {
      seedValue = (seedValue * 1103515245 + 12345) % 2 ** 31;
      return seedValue / 2 ** 31;
    };
    const pool: unknown[] = [
      undefined,
      null,
      0,
      -1,
      3,
      50,
      1e21,
      NaN,
      '',
      'x'.repeat(300),
      '<script>',
      Buffer.from('p:coffee-latte').toString('base64url'),
      true,
      [],
      [1, 2],
      { $ne: null },
      { toString: 'x' },
    ];
    const pick = () => pool[Math.floor(rand() * pool.length)];
    for (let i = 0; i < 40; i++) {
      const event: Record<string, unknown> = {};
      for (const key of ['cursor', 'pageSize', 'openid', 'active', '__proto__', 'where']) {
        if (rand() < 0.5) event[key] = pick();
      }
      const res = await kit.call(`o-fuzz-${i % 3}`, 'listProducts', event);
      if (res.ok) {
        expect(Array.isArray(res.data.products)).toBe(true);
        for (const p of res.data.products) expect(p.active).toBe(true);
      } else {
        expect(res.code).toBe('INVALID_PARAM');
      }
    }
    const { logs } = await get<{ logs: Array<{ error?: string }> }>(
      `${sandbox.url}/sandbox/logs?name=listProducts&limit=200`,
    );
    expect(logs.filter((l) => l.error)).toEqual([]);
  });
});
