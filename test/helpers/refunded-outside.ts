/** What the kit answers for an order refunded on the merchant platform, outside the kit. */
import { get } from './control';
import type { KitClient } from './kit';

/**
 * An order refunded on the merchant platform is the merchant's to finish there: the kit refuses to
 * refund it (`admin`), to pay it again or to close it (`buyer`), and WeChat holds the merchant's one
 * refund of its trade, none of the kit's.
 */
export async function expectLeftToMerchantPlatform(
  kit: KitClient,
  { admin, buyer }: { admin: string; buyer: string },
  { orderNo, outTradeNo }: { orderNo: string; outTradeNo: string },
): Promise<void> {
  expect(await kit.call(admin, 'refund', { orderNo, refundFee: 100 })).toEqual(
    expect.objectContaining({
      ok: false,
      code: 'ORDER_STATE_CONFLICT',
      message: expect.stringMatching(/merchant platform/),
    }),
  );
  expect(await kit.call(buyer, 'unifiedOrder', { orderNo })).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_PAID' }),
  );
  expect(await kit.call(buyer, 'closeOrder', { orderNo })).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_PAID', message: expect.stringMatching(/refunded/) }),
  );
  const { trades } = await get<{ trades: Array<{ refunds: unknown[] }> }>(
    `${kit.base}/sandbox/pay/trades?outTradeNo=${outTradeNo}`,
  );
  expect(trades[0].refunds).toHaveLength(1);
}
