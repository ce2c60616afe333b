/**
 * pages/admin/to-ship: for merchant admins. Paid orders awaiting shipment, oldest first, 20 at a
 * time by cursor as the admin reaches the bottom (pull-down reloads), each with 发货, which opens the
 * shipping form (method, express company and tracking number, SF's masked contact, what is in the
 * package; an express shipment split into up to 15 packages); shipOrder records it at WeChat.
 * Virtual goods ship themselves and leave the list once WeChat knows the payment. Tapping a row opens
 * the order (where the admin can refund it, say when the customer cancels before shipping); every
 * return refreshes the pages shown. A row says what was refunded already, so only the rest is shipped. Each
 * shipment is sent with the shipments the list showed: an order shipped meanwhile from elsewhere is
 * refused (ORDER_STATE_CONFLICT, SHIPPED_MEANWHILE) rather than shipped again as WeChat's one
 * re-shipment, and the form says so while the list reloads; one paid without WeChat Pay's transaction
 * id (NO_TRANSACTION_ID) cannot be shipped from the kit, and the form says where it can. Anyone else
 * gets the FORBIDDEN message.
 */
import type { StateConflict } from '../../../../typings/paykit/errors';
import type { OrderView } from '../../../../typings/paykit/order';
import { pageLinks } from '../../../behaviors/page-links';
import { listToShip, shipOrder } from '../../../paykit/api';
import { asPaykitError, type PaykitClientErrorCode, type PaykitError } from '../../../paykit/errors';
import { instanceState } from '../../../paykit/instance-state';
import { RowAnswers } from '../../../paykit/late-answers';
import { CursorPager } from '../../../paykit/pager';
import { deliveryText, expressCompanyText, toShipText } from '../../../paykit/strings';
import {
  COMPANIES,
  formFor,
  formProblem,
  MAX_PACKAGES,
  METHODS,
  requestOf,
  withoutPackage,
  withPackage,
  type PackageForm,
  type ShipForm,
} from './form';

const PAGE = 20;

/** WeChat's refusals of a shipment: the server words WeChat's reason in Chinese, with its errcode. */
const WECHAT_REFUSALS: ReadonlySet<PaykitClientErrorCode> = new Set([
  'SHIPPING_REFUSED',
  'SHIPPING_PENDING',
  'RESHIP_USED',
]);

/** What the form says of each conflict shipOrder names. */
const CONFLICT_TEXT: Record<StateConflict, string> = {
  SHIPPED_MEANWHILE: toShipText.changedMeanwhile,
  NO_TRANSACTION_ID: toShipText.noTransactionId,
};

/**
 * Why shipOrder refused, for the form: WeChat's reason as the server put it, the conflict the server
 * named, else the code's text.
 */
function refusalText(error: PaykitError): string {
  if (WECHAT_REFUSALS.has(error.code) && error.detail) return error.detail;
  if (error.code === 'ORDER_STATE_CONFLICT' && error.conflict) return CONFLICT_TEXT[error.conflict];
  return error.message;
}

/** What the page keeps for itself, outside `data`. */
interface ToShipState {
  /**
   * Orders shipped from this page: a page asked for before one was shipped still lists it, and
   * would show it to ship again (a 发货 on it would be refused: the form sends the shipments its row
   * showed).
   */
  shipped: RowAnswers<true>;
}

Component({
  behaviors: [pageLinks],

  data: {
    orders: [] as OrderView[],
    /** False until the first page answered (or failed). */
    loaded: false,
    loading: false,
    finished: false,
    /** The form of the order being shipped, or null. */
    form: null as ShipForm | null,
    shipping: false,
    /** Why the form cannot go, or why shipOrder refused it ('' when neither; any change of the form clears it). */
    formError: '',
    /** Why the last page failed (FORBIDDEN for a non-admin, a failed call, …). */
    error: '',
    text: toShipText,
    deliveryText,
    methods: METHODS,
    maxPackages: MAX_PACKAGES,
    methodNames: METHODS.map((m) => deliveryText[m]),
    companyNames: COMPANIES.map((c) => expressCompanyText[c]),
  },

  methods: {
    /**
     * Every show asks again for the pages shown (the admin's place is kept): back from an order the
     * admin refunded (or another admin shipped), it must not stay listed to ship.
     */
    onShow() {
      void this.pager().refresh();
    },

    async onPullDownRefresh() {
      await this.pager().reload();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      void this.pager().loadMore();
    },

    /** The retry button: the page that failed. */
    onRetry() {
      void this.pager().retry();
    },

    /** The orders awaiting shipment, oldest first, paged by cursor (paykit/pager.ts). */
    pager(): CursorPager<OrderView> {
      return CursorPager.of(this, () => ({
        key: 'orders',
        fetch: async (cursor) => {
          const { shipped } = this.state();
          const asked = shipped.asked();
          const page = await listToShip({ pageSize: PAGE, cursor });
          const rows = page.orders.filter((o) => !shipped.since(o.orderNo, asked));
          return { rows, nextCursor: page.nextCursor };
        },
      }));
    },

    onOpen(event: WechatMiniprogram.BaseEvent<Record<string, never>, { orderNo?: string }>) {
      const orderNo = event.currentTarget.dataset.orderNo;
      if (orderNo) this.openOrder(orderNo);
    },

    /** Keeps a tap on 发货 from also opening the row. */
    noop() {},

    onShipTap(event: WechatMiniprogram.BaseEvent<Record<string, never>, { orderNo?: string }>) {
      const order = this.data.orders.find((o) => o.orderNo === event.currentTarget.dataset.orderNo);
      if (order) this.setData({ form: formFor(order), formError: '' });
    },

    onFormClose() {
      if (!this.data.shipping) this.setData({ form: null });
    },

    onMethodChange(event: WechatMiniprogram.PickerChange) {
      this.setData({ 'form.methodIndex': Number(event.detail.value), formError: '' });
    },

    /** A package's company picker (`data-index` names the package). */
    onCompanyChange(event: WechatMiniprogram.PickerChange<Record<string, never>, { index?: number }>) {
      const index = event.currentTarget.dataset.index;
      if (this.hasPackage(index))
        this.setData({ [`form.packages[${index}].companyIndex`]: Number(event.detail.value), formError: '' });
    },

    /** van-field's change: `detail` is the text; `data-index` and `data-field` name what it fills. */
    onFieldChange(
      event: WechatMiniprogram.BaseEvent<
        Record<string, never>,
        { index?: number; field?: Exclude<keyof PackageForm, 'key' | 'companyIndex'> }
      > & { detail: string },
    ) {
      const { index, field } = event.currentTarget.dataset;
      if (field && this.hasPackage(index))
        this.setData({ [`form.packages[${index}].${field}`]: event.detail, formError: '' });
    },

    /** 分拆发货: one more package (up to WeChat's 15). */
    onAddPackage() {
      const { form } = this.data;
      if (form) this.setData({ 'form.packages': withPackage(form.packages), formError: '' });
    },

    onRemovePackage(event: WechatMiniprogram.BaseEvent<Record<string, never>, { index?: number }>) {
      const { form } = this.data;
      const index = event.currentTarget.dataset.index;
      if (form && this.hasPackage(index))
        this.setData({ 'form.packages': withoutPackage(form.packages, index), formError: '' });
    },

    /** Whether `index` (a data-index from the template) names one of the form's packages. */
    hasPackage(index: number | undefined): index is number {
      const packages = this.data.form?.packages ?? [];
      return typeof index === 'number' && index >= 0 && index < packages.length;
    },

    state(): ToShipState {
      return instanceState<ToShipState>(this, () => ({ shipped: new RowAnswers() }));
    },

    async onSubmit() {
      const { form } = this.data;
      if (!form || this.data.shipping) return;
      const problem = formProblem(form);
      if (problem) {
        this.setData({ formError: problem });
        return;
      }
      this.setData({ shipping: true, formError: '' });
      try {
        await shipOrder(requestOf(form));
        this.state().shipped.answer(form.orderNo, true);
        this.setData({
          shipping: false,
          form: null,
          orders: this.data.orders.filter((o) => o.orderNo !== form.orderNo),
        });
        wx.showToast({ title: toShipText.shipped, icon: 'success' });
      } catch (err) {
        const error = asPaykitError(err);
        // In the form, which stays open to be put right (a toast would cut WeChat's reason short).
        this.setData({ shipping: false, formError: refusalText(error) });
        // Shipped meanwhile from elsewhere (the list was stale) or no longer to ship: nothing was
        // sent; the list, loaded again, shows where the orders stand. An order paid without a
        // transaction id stays as it is listed.
        if (error.code === 'ORDER_STATE_CONFLICT' && error.conflict !== 'NO_TRANSACTION_ID')
          void this.pager().reload();
      }
    },
  },
});
