/**
 * Orders written straight into paykit_orders (relaxed EJSON for /sandbox/db/import), in the kit's
 * stored shape: for states a test needs in bulk, such as a backlog of expired unpaid orders.
 */
const date = (ms: number) => ({ $date: new Date(ms).toISOString() });

/** `count` unpaid orders created an hour before `now`, expired half an hour ago, each with one attempt WeChat never saw. */
export function expiredUnpaidOrders(
  count: number,
  now: number,
  openid = (i: number) => `o-sweep-${i % 100}`,
) {
  const createdAt = now - 3600_000;
  return Array.from({ length: count }, (_, i) => {
    const orderNo = `PK20200101000000${String(i).padStart(8, '0')}`;
    return {
      _id: orderNo,
      openid: openid(i),
      appid: 'wx0000000000sandbox',
      items: [{ sku: 'latte', name: '拿铁', unitPrice: 2800, quantity: 1 }],
      totalFee: 2800,
      description: '拿铁',
      status: 'NOTPAY',
      attempts: [{ outTradeNo: `${orderNo}A01`, createdAt }],
      outTradeNo: `${orderNo}A01`,
      createdAt: date(createdAt),
      updatedAt: date(createdAt),
      expiresAt: date(createdAt + 30 * 60_000),
      refunds: [],
      version: 1,
    };
  });
}
