/**
 * A plain reading of a well-formed bill (split lines, split fields, map by header name, amounts by
 * decimal string arithmetic): what the in-place parser's rows are held against in the bill suites.
 */
import type { BillRow } from '../../cloudfunctions/common/bill/parse';
import { AMOUNT_COLUMNS, TEXT_COLUMNS } from '../../cloudfunctions/common/bill/columns';

/** Decimal yuan text to integer units of 10^-scale yuan, by padding the decimals. */
function units(text: string, scale: number): number {
  if (text === '') return 0;
  const negative = text.startsWith('-');
  const [whole, decimals = ''] = (negative ? text.slice(1) : text).split('.');
  const value = Number(whole + decimals.padEnd(scale, '0'));
  return negative && value !== 0 ? -value : value;
}

/** The detail rows of a well-formed bill, read the obvious way. */
export function referenceRows(text: string): BillRow[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const names = lines[0].split(',');
  const refundBill = names.includes('退款申请时间');
  const rows: BillRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    if (line.startsWith('总交易单数')) break;
    const values = line.slice(1).split(',`');
    const row = { line: i + 1 } as Record<string, unknown>;
    for (const field of Object.values(TEXT_COLUMNS)) row[field] = '';
    for (const field of Object.values(AMOUNT_COLUMNS)) row[field] = 0;
    names.forEach((name, c) => {
      if (name in TEXT_COLUMNS) row[TEXT_COLUMNS[name]] = values[c];
      else if (name in AMOUNT_COLUMNS)
        row[AMOUNT_COLUMNS[name]] = units(values[c], name === '手续费' ? 5 : 2);
    });
    if (!names.includes('应结订单金额')) row.settlementFee = row.totalFee;
    if (!names.includes('申请退款金额')) row.requestedRefundFee = row.refundFee;
    row.kind = row.tradeState === 'REFUND' || refundBill ? 'refund' : 'payment';
    rows.push(row as unknown as BillRow);
  }
  return rows;
}
