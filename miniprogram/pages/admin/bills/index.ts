/**
 * pages/admin/bills?date=yyyyMMdd: for merchant admins. Pick a day (previous/next, or the date
 * picker), see WeChat's bill summary for it and how it reconciles with the kit's orders, grouped by
 * kind of discrepancy, and repair what can be repaired (payments WeChat has that the kit missed;
 * each is confirmed with WeChat first, server-side). A discrepancy of one of the kit's orders opens
 * that order (to look at it, or refund it). Anyone else gets the FORBIDDEN message.
 */
import type { BillReport, Discrepancy, DiscrepancyKind } from '../../../../typings/paykit/bill';
import { pageLinks } from '../../../behaviors/page-links';
import { downloadBill } from '../../../paykit/api';
import { asPaykitError } from '../../../paykit/errors';
import { formatServiceFee, withCurrency } from '../../../paykit/money';
import { billsText, discrepancyText, toastText } from '../../../paykit/strings';
import { firstBillDay, fromPickerDate, isBillDay, lastBillDay, shiftDay, toPickerDate } from './days';

/**
 * A discrepancy as its row shows it: `url` opens its order ('' when it is none of the kit's); `key`
 * is its row's wx:key, unique in its group (a trade refunded twice has two rows of one outTradeNo).
 */
export type DiscrepancyRow = Discrepancy & { url: string; key: string };

export interface DiscrepancyGroup {
  kind: DiscrepancyKind;
  title: string;
  items: DiscrepancyRow[];
}

const KINDS = Object.keys(discrepancyText) as DiscrepancyKind[];
/** The kinds `repair` can fix (a lost payment callback); the others need a person. */
const REPAIRABLE: DiscrepancyKind[] = ['PAID_AT_WECHAT_NOT_HERE'];

export function groupDiscrepancies(discrepancies: Discrepancy[]): DiscrepancyGroup[] {
  return KINDS.map((kind) => ({
    kind,
    title: discrepancyText[kind],
    items: discrepancies
      .filter((d) => d.kind === kind)
      .map((d) => ({ ...d, url: orderUrl(d), key: rowKey(d) })),
  })).filter((group) => group.items.length > 0);
}

/**
 * The page of the kit's order a discrepancy is about, for the admin to look at or refund it; none
 * for a trade the kit has no order of (UNKNOWN_TRADE, even when its number looks like one).
 */
function orderUrl(d: Discrepancy): string {
  return d.orderNo && d.kind !== 'UNKNOWN_TRADE'
    ? `/pages/orders/detail/index?orderNo=${encodeURIComponent(d.orderNo)}`
    : '';
}

/** A refund's row by its refund number under its trade, a trade's by its number: one row each per kind. */
function rowKey(d: Discrepancy): string {
  return d.outRefundNo ? `${d.outTradeNo}/${d.outRefundNo}` : d.outTradeNo;
}

function canRepair(report: BillReport): boolean {
  return report.discrepancies.some((d) => REPAIRABLE.includes(d.kind) && !d.repaired);
}

Component({
  behaviors: [pageLinks],

  properties: {
    /** The day to open, yyyyMMdd (page query); when absent, the last day with a bill (days.ts lastBillDay). */
    date: { type: String, value: '' },
  },

  data: {
    billDate: '',
    pickerDate: '',
    /** The first and last days WeChat has a bill of (days.ts), and the date picker's bounds. */
    firstDay: '',
    pickerStart: '',
    lastDay: '',
    pickerEnd: '',
    report: null as BillReport | null,
    serviceFeeText: '',
    groups: [] as DiscrepancyGroup[],
    repairable: false,
    loading: false,
    repairing: false,
    /** The reason nothing can be shown (FORBIDDEN for a non-admin, a failed call, …). */
    error: '',
    text: billsText,
  },

  methods: {
    /** A day asked for that WeChat keeps no bill of (not a day, or too old) opens the last day instead. */
    onLoad(query: Record<string, string | undefined> = {}) {
      const wanted = query.date ?? this.data.date;
      const now = Date.now();
      const firstDay = firstBillDay(now);
      const lastDay = lastBillDay(now);
      const fetchable = isBillDay(wanted) && wanted >= firstDay;
      this.setData({ firstDay, pickerStart: toPickerDate(firstDay) });
      void this.open(fetchable ? wanted : lastDay, lastDay);
    },

    onPrevDay() {
      void this.open(shiftDay(this.data.billDate, -1));
    },

    onNextDay() {
      void this.open(shiftDay(this.data.billDate, 1));
    },

    onPickDay(event: WechatMiniprogram.PickerChange) {
      void this.open(fromPickerDate(String(event.detail.value)));
    },

    /**
     * Another day: the last day's figures go at once, or they would stand under the new date (with
     * its repair button) for as long as the new day loads.
     */
    async open(billDate: string, shownLastDay?: string) {
      const lastDay = shownLastDay ?? this.data.lastDay;
      this.setData({
        billDate,
        pickerDate: toPickerDate(billDate),
        lastDay,
        pickerEnd: toPickerDate(lastDay),
        ...(billDate === this.data.report?.billDate ? {} : { report: null, groups: [], repairable: false }),
      });
      await this.fetch(false);
    },

    /** The retry button of the error state: the same day again. */
    onRetry() {
      void this.fetch(false);
    },

    async onRepair() {
      if (this.data.repairing) return;
      this.setData({ repairing: true });
      if (await this.fetch(true)) wx.showToast({ title: billsText.repairDone, icon: 'success' });
      this.setData({ repairing: false });
    },

    async fetch(repair: boolean): Promise<boolean> {
      const billDate = this.data.billDate;
      this.setData({ loading: true, error: '' });
      try {
        const report = await downloadBill(repair ? { billDate, repair } : { billDate });
        if (billDate !== this.data.billDate) return false;
        this.setData({
          report,
          serviceFeeText: withCurrency(formatServiceFee(report.serviceFee)),
          groups: groupDiscrepancies(report.discrepancies),
          repairable: canRepair(report),
          loading: false,
        });
        return true;
      } catch (err) {
        if (billDate !== this.data.billDate) return false;
        const error = asPaykitError(err);
        this.setData({ report: null, groups: [], repairable: false, loading: false, error: error.message });
        if (repair) wx.showToast({ title: error.message || toastText.failed, icon: 'none' });
        return false;
      }
    },
  },
});
