/** Reading WeChat Pay trade bills and reconciling them with the kit's orders. */
export { BillFormatError, billBatches, parseBill, readBill } from './parse';
export type {
  BillEnd,
  BillEntry,
  BillFormat,
  BillInput,
  BillRow,
  BillSummary,
  BillType,
  ParseOptions,
  SummaryField,
  SummaryMismatch,
} from './parse';
export { reconcileBill } from './reconcile';
export type {
  AnyDiscrepancyKind,
  LocalOrder,
  Reconciliation,
  ReconcileSources,
  RefundDiscrepancy,
} from './reconcile';
