/**
 * Synthetic ALL bills for the bill bench, written once per run into a temp folder: the current
 * 27-column format as production prints it (BOM, CRLF, backquoted fields, integer count, 2-decimal
 * money, 5-decimal fees), 90 % payments and 10 % refunds, with a summary that matches the rows.
 * Deterministic: the same seed gives the same bytes.
 */
import { createReadStream, createWriteStream, statSync } from 'fs';
import { pipeline } from 'stream/promises';
import { createGzip } from 'zlib';
import { fromUnits } from '../cloudfunctions/common/bill/money';
import { seededRandom } from '../sandbox/runtime/chaos';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,' +
  '手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const GOODS = ['拿铁咖啡×2', '美式咖啡', '芝士蛋糕、抹茶拿铁', '会员月卡', '手冲豆 250g', '燕麦拿铁(大杯)'];

export interface WrittenBill {
  path: string;
  rows: number;
  /** 订单金额 and 退款金额 of all rows, in fen. */
  paid: number;
  refunded: number;
  /** Bytes of bill text. */
  size: number;
}

/** Writes an ALL bill of about `targetBytes` to `path`. */
export async function writeBill(path: string, targetBytes: number): Promise<WrittenBill> {
  const out = createWriteStream(path);
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
  const random = seededRandom(42);
  const rand = (n: number): number => Math.floor(random() * n);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  let written = 0;
  let rows = 0;
  const sum = { paid: 0, refunded: 0, fee: 0 };
  await write(`\uFEFF${HEADER}\r\n`);
  while (written < targetBytes) {
    let chunk = '';
    for (let i = 0; i < 2000; i++, rows++) {
      const refund = rand(10) === 0;
      const total = 1 + rand(50_000);
      const fee = Math.round(total * 600) * (refund ? -1 : 1); // 0.6 % in 0.00001 yuan
      const orderNo = `PK20240315${pad(rand(240000), 6)}${pad(rows, 8)}${pad(rand(100), 2)}`;
      const time = `2024-03-15 ${pad(rand(24), 2)}:${pad(rand(60), 2)}:${pad(rand(60), 2)}`;
      const cells = [
        time,
        'wx1234567890abcdef',
        '1800008281',
        '1900000109',
        '',
        `4200002024031${pad(rows, 15)}`,
        `${orderNo}A0${1 + rand(3)}`,
        `oUpF8uMuAJO_M2pxb1Q9zN${pad(rand(1e6), 7)}`,
        'JSAPI',
        refund ? 'REFUND' : 'SUCCESS',
        'CFT',
        'CNY',
        fromUnits(refund ? 0 : total, 2),
        '0.00',
        refund ? `50300${pad(rows, 24)}` : '0',
        refund ? `R${orderNo}` : '0',
        fromUnits(refund ? total : 0, 2),
        '0.00',
        refund ? 'ORIGINAL' : '',
        refund ? 'SUCCESS' : '',
        GOODS[rand(GOODS.length)],
        '',
        fromUnits(fee, 5),
        '0.60%',
        fromUnits(refund ? 0 : total, 2),
        fromUnits(refund ? total : 0, 2),
        '',
      ];
      chunk += '`' + cells.join(',`') + '\r\n';
      if (refund) sum.refunded += total;
      else sum.paid += total;
      sum.fee += fee;
    }
    written += Buffer.byteLength(chunk);
    await write(chunk);
  }
  const totals = [rows, fromUnits(sum.paid, 2), fromUnits(sum.refunded, 2), '0.00', fromUnits(sum.fee, 5)];
  await write(
    `${SUMMARY}\r\n\`${[...totals, fromUnits(sum.paid, 2), fromUnits(sum.refunded, 2)].join(',`')}\r\n`,
  );
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return { path, rows, paid: sum.paid, refunded: sum.refunded, size: statSync(path).size };
}

/** `path` gzipped to `path`.gz (as downloadBill returns a bill with tarType GZIP); the .gz path. */
export async function gzipFile(path: string): Promise<string> {
  const gz = `${path}.gz`;
  await pipeline(createReadStream(path), createGzip(), createWriteStream(gz));
  return gz;
}
