/** @jest-environment node */
/**
 * The order state machine: each move's `where` is the state it starts from, so a duplicate or a
 * racing move matches nothing. The commands are the real wx-server-sdk's (no database is reached).
 */
import cloud from 'wx-server-sdk';
import type { OrderDoc, RefundRecord } from '../../../cloudfunctions/common/model';
import * as states from '../../../cloudfunctions/common/order-states';

cloud.init({ env: 'unit-test' });
const _ = cloud.database().command;
const T0 = Date.UTC(2024, 2, 15, 2, 30);

const order = (over: Partial<OrderDoc> = {}): OrderDoc => ({
  _id: 'PK2024031510300012345678',
  openid: 'o-a',
  appid: 'wx1',
  items: [],
  totalFee: 2800,
  description: '拿铁',
  status: 'NOTPAY',
  attempts: [{ outTradeNo: 'PK2024031510300012345678A01', createdAt: T0 }],
  outTradeNo: 'PK2024031510300012345678A01',
  createdAt: new Date(T0),
  updatedAt: new Date(T0),
  expiresAt: new Date(T0 + 1800_000),
  refunds: [],
  version: 3,
  ...over,
});

test('paid means SUCCESS or REFUND', () => {
  expect(
    ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR'].filter((s) => states.isPaid(s as never)),
  ).toEqual(['SUCCESS', 'REFUND']);
});

test.each([
  [{ status: 'SUCCESS' as const }, T0, 'ORDER_PAID'],
  [{ status: 'REFUND' as const }, T0, 'ORDER_PAID'],
  [{ status: 'CLOSED' as const }, T0, 'ORDER_CLOSED'],
  [{ status: 'PAYERROR' as const }, T0, 'ORDER_STATE_CONFLICT'],
  [{}, T0 + 1800_000, 'ORDER_CLOSED'],
])('assertPayable %j at %i → %s', (over, now, code) => {
  expect(() => states.assertPayable(order(over), now)).toThrow(expect.objectContaining({ code }));
  expect(() => states.assertPayable(order(), T0)).not.toThrow();
});

test('order moves start from NOTPAY', () => {
  const paidAt = new Date(T0);
  const pay = states.pay(_, { outTradeNo: 'A01', transactionId: '42', paidAt });
  expect(pay.where).toEqual({ status: 'NOTPAY' });
  expect(pay.data).toEqual({
    status: 'SUCCESS',
    outTradeNo: 'A01',
    transactionId: '42',
    paidAt,
    fulfilment: { state: 'PENDING', runs: 0 },
    shipping: { state: 'AWAITING', count: 0, shipments: [] },
    version: _.inc(1),
  });
  expect(states.close(_, paidAt, 'A01')).toEqual({
    where: { status: 'NOTPAY', outTradeNo: 'A01' },
    data: { status: 'CLOSED', closedAt: paidAt, version: _.inc(1) },
  });
  const attempt = { outTradeNo: 'A02', createdAt: T0 };
  expect(states.addAttempt(_, order(), attempt).where).toEqual({ status: 'NOTPAY', version: 3 });
  expect(
    states.setPrepay(1, 'A02', { prepayId: 'p', prepayExpiresAt: 1, payment: {} as never }).where,
  ).toEqual({
    status: 'NOTPAY',
    outTradeNo: 'A02',
    'attempts.1.outTradeNo': 'A02',
  });
});

/** What WeChat said of a payment of attempt A01 that does not match its order. */
const seen = {
  outTradeNo: 'A01',
  totalFee: 2799,
  transactionId: '42',
  state: 'SUCCESS' as const,
  seenAt: new Date(T0),
};

test('a payment WeChat holds that does not match: NOTPAY → PAYERROR with what WeChat said, nothing of a payment', () => {
  expect(states.holdMismatchedPayment(_, order(), seen)).toEqual({
    where: { status: 'NOTPAY' },
    data: { status: 'PAYERROR', mismatchedPayment: seen, version: _.inc(1) },
  });
  // Paying it again is refused, saying an admin must look.
  expect(() => states.assertPayable(order({ status: 'PAYERROR', mismatchedPayment: seen }), T0)).toThrow(
    expect.objectContaining({ code: 'ORDER_STATE_CONFLICT', message: expect.stringMatching(/admin/) }),
  );
  // Already refunded at WeChat when first seen: no admin is needed, it is refunded outside at once.
  const refunded = { ...seen, state: 'REFUND' as const };
  expect(states.holdMismatchedPayment(_, order(), refunded)).toEqual({
    where: { status: 'NOTPAY' },
    data: expect.objectContaining({
      status: 'REFUND',
      mismatchedPayment: refunded,
      refundedOutside: { seenAt: seen.seenAt },
      shipping: expect.objectContaining({ state: 'REFUNDED' }),
    }),
  });
});

test('the way out of PAYERROR: refunded on the merchant platform, it becomes REFUND, once, keeping what WeChat said', () => {
  const held = order({ status: 'PAYERROR', mismatchedPayment: seen });
  const at = new Date(T0 + 60_000);
  const move = states.refundMismatchedOutside(_, held, 'A01', at);
  // Only from the payment held: a second learner (query, notification, bill) matches nothing.
  expect(move.where).toEqual({ status: 'PAYERROR', 'mismatchedPayment.outTradeNo': 'A01' });
  expect(move.data).toEqual({
    status: 'REFUND',
    'mismatchedPayment.state': 'REFUND',
    refundedOutside: { seenAt: at },
    shipping: expect.objectContaining({ state: 'REFUNDED' }),
    version: _.inc(1),
  });
  expect(move.data).not.toHaveProperty('transactionId');
  expect(move.data).not.toHaveProperty('fulfilment');
  // Afterwards it is refunded outside the kit, as any such order: paid, not payable, no admin.
  const after = order({
    status: 'REFUND',
    mismatchedPayment: { ...seen, state: 'REFUND' },
    refundedOutside: { seenAt: at },
  });
  expect(states.awaitsAdmin(held)).toBe(true);
  expect(states.awaitsAdmin(after)).toBe(false);
  expect(() => states.assertPayable(after, T0)).toThrow(expect.objectContaining({ code: 'ORDER_PAID' }));
});

test('a refund made on the merchant platform is recorded once, on a paid order as read', () => {
  const at = new Date(T0);
  const record = (refundFee: number, status: RefundRecord['status']): RefundRecord => ({
    outRefundNo: 'P01',
    refundFee,
    status,
    by: 'merchant-platform',
    onPlatform: true,
    createdAt: at,
  });
  const paid = order({ status: 'SUCCESS', shipping: { state: 'AWAITING', count: 0, shipments: [] } });
  const part = states.recordPlatformRefund(_, paid, record(800, 'SUCCESS'));
  expect(part.where).toEqual({ status: _.in(states.PAID_STATUSES), version: 3 });
  expect(part.data).toEqual({
    refunds: _.push([{ ...record(800, 'SUCCESS'), hook: { state: 'PENDING', runs: 0 } }]),
    status: 'REFUND',
    version: _.inc(1),
  });
  // All of the payment: the shipment ends as with the kit's own refund.
  expect(states.recordPlatformRefund(_, paid, record(2800, 'SUCCESS')).data).toEqual(
    expect.objectContaining({ 'shipping.state': 'REFUNDED' }),
  );
  // Still processing at WeChat: recorded as it is, the order unchanged until it settles.
  expect(states.recordPlatformRefund(_, paid, record(2800, 'PROCESSING')).data).toEqual({
    refunds: _.push([record(2800, 'PROCESSING')]),
    version: _.inc(1),
  });
});

test('refund moves start from PROCESSING; a success makes the order REFUND with onRefunded pending', () => {
  const at = new Date(T0);
  const refund = (outRefundNo: string, refundFee: number, status: RefundRecord['status'] = 'PROCESSING') =>
    ({ outRefundNo, refundFee, status }) as RefundRecord;
  const paid = order({ status: 'SUCCESS', refunds: [refund('R01', 800), refund('R02', 2000)] });
  const ok = states.settleRefund(_, paid, 0, 'SUCCESS', at);
  expect(ok.where).toEqual({ 'refunds.0.outRefundNo': 'R01', 'refunds.0.status': 'PROCESSING' });
  expect(ok.data).toEqual(
    expect.objectContaining({
      'refunds.0.status': 'SUCCESS',
      status: 'REFUND',
      'refunds.0.hook': { state: 'PENDING', runs: 0 },
    }),
  );
  // A partial refund leaves shipping alone.
  expect(Object.keys(ok.data).filter((k) => k.startsWith('shipping'))).toEqual([]);
  const closed = states.settleRefund(_, paid, 1, 'FAILED', at);
  expect(closed.data).not.toHaveProperty('status');
  expect(closed.data['refunds.1.status']).toBe('FAILED');
  // The refund that completes the whole payment ends an open shipping record; a legacy order gets one.
  const rest = order({ status: 'REFUND', refunds: [refund('R01', 800, 'SUCCESS'), refund('R02', 2000)] });
  const awaiting = { state: 'AWAITING' as const, count: 0, shipments: [] };
  expect(states.settleRefund(_, { ...rest, shipping: awaiting }, 1, 'SUCCESS', at).data).toEqual(
    expect.objectContaining({
      'shipping.state': 'REFUNDED',
      'shipping.checkAt': null,
      'shipping.retry': null,
    }),
  );
  expect(states.settleRefund(_, rest, 1, 'SUCCESS', at).data).toEqual(
    expect.objectContaining({ shipping: { state: 'REFUNDED', count: 0, shipments: [] } }),
  );
  const settledShipping = { ...awaiting, state: 'SETTLED' as const };
  const late = states.settleRefund(_, { ...rest, shipping: settledShipping }, 1, 'SUCCESS', at);
  expect(Object.keys(late.data).filter((k) => k.startsWith('shipping'))).toEqual([]);
  expect(states.refuseRefund(_, 0, 'R01', 'NOTENOUGH').where).toEqual(ok.where);
  expect(states.reserveRefund(_, order({ status: 'SUCCESS' }), {} as never).where).toEqual({
    status: _.in(states.PAID_STATUSES),
    version: 3,
  });
  // A refused refund asked again under its number: reserved again only from FAILED, on the order as read.
  const refused = order({ status: 'SUCCESS', refunds: [refund('R01', 800, 'FAILED')] });
  expect(states.retryRefund(_, refused, 0)).toEqual({
    where: {
      status: _.in(states.PAID_STATUSES),
      version: 3,
      'refunds.0.outRefundNo': 'R01',
      'refunds.0.status': 'FAILED',
    },
    data: { 'refunds.0.status': 'PROCESSING', 'refunds.0.failure': _.remove(), version: _.inc(1) },
  });
});

test("recording a refund's end: the settle move from its stored status, and once the moves are spent, what is stored", () => {
  const at = new Date(T0);
  const withRefund = (status: RefundRecord['status']) =>
    order({ status: 'SUCCESS', refunds: [{ outRefundNo: 'R01', refundFee: 800, status } as RefundRecord] });
  const step = (status: RefundRecord['status'], outcome: states.RefundOutcome, lost: number) =>
    states.settleStep(_, withRefund(status), 0, outcome, at, lost);
  expect(step('PROCESSING', 'SUCCESS', 0)).toEqual({
    move: states.settleRefund(_, withRefund('PROCESSING'), 0, 'SUCCESS', at),
  });
  // Refused by a concurrent request meanwhile, made by WeChat all the same: moved on from FAILED.
  const fromRefused = step('FAILED', 'SUCCESS', 1);
  expect(fromRefused).toEqual({ move: states.settleRefund(_, withRefund('FAILED'), 0, 'SUCCESS', at) });
  expect(fromRefused).toHaveProperty('move.where', {
    'refunds.0.outRefundNo': 'R01',
    'refunds.0.status': 'FAILED',
  });
  // Settled by another call, or refused here and closed at WeChat: nothing to record.
  expect(step('SUCCESS', 'SUCCESS', 0)).toEqual({ settled: true });
  expect(step('CHANGE', 'SUCCESS', 2)).toEqual({ settled: true });
  expect(step('FAILED', 'FAILED', 0)).toEqual({ settled: true });
  // Every move lost a race (refused, then asked again, in between): the refund stored PROCESSING
  // is not settled, so its notification is not acknowledged and WeChat delivers it again.
  expect(step('PROCESSING', 'SUCCESS', states.SETTLE_TRIES)).toEqual({ settled: false });
  expect(step('FAILED', 'CHANGE', states.SETTLE_TRIES)).toEqual({ settled: false });
  expect(step('SUCCESS', 'SUCCESS', states.SETTLE_TRIES)).toEqual({ settled: true });
});

test('hooks: PENDING is claimed once its retry time came, a lapsed RUNNING is taken over, only the current claim finishes', () => {
  const now = new Date(T0);
  const until = new Date(T0 + 300_000);
  const stale = new Date(T0 - 60_000);
  expect(states.claimHook(_, { hook: 'onPaid' }, now, until)).toEqual({
    where: { 'fulfilment.state': 'PENDING', 'fulfilment.retryAt': _.nor([_.gt(now)]) },
    data: {
      'fulfilment.state': 'RUNNING',
      'fulfilment.claimedAt': now,
      'fulfilment.claimedUntil': until,
      'fulfilment.runs': _.inc(1),
    },
  });
  // Past its recorded lapse, and older than the lease (all a claim that recorded no lapse has).
  expect(states.claimHook(_, { hook: 'onRefunded', index: 2 }, now, until, stale).where).toEqual({
    'refunds.2.hook.state': 'RUNNING',
    'refunds.2.hook.claimedAt': _.lte(stale),
    'refunds.2.hook.claimedUntil': _.nor([_.gt(now)]),
  });
  expect(states.finishHook({ hook: 'onPaid' }, now)).toEqual({
    where: { 'fulfilment.claimedAt': now },
    data: { 'fulfilment.state': 'DONE' },
  });
  const retryAt = new Date(T0 + 30_000);
  expect(states.releaseHook({ hook: 'onPaid' }, now, 'boom', retryAt).data).toEqual({
    'fulfilment.state': 'PENDING',
    'fulfilment.lastError': 'boom',
    'fulfilment.retryAt': retryAt,
  });
  const paid = order({ status: 'SUCCESS', fulfilment: { state: 'DONE', runs: 1 } });
  expect(states.hasUnfinishedHooks(paid)).toBe(false);
  const refund = { outRefundNo: 'R01', refundFee: 1, status: 'SUCCESS' as const, by: 'a', createdAt: now };
  expect(
    states.hasUnfinishedHooks({ ...paid, refunds: [{ ...refund, hook: { state: 'RUNNING', runs: 1 } }] }),
  ).toBe(true);
});
