/**
 * `npm run bench -- bill`: the streaming bill parser on synthetic ALL bills of ~10 MB and ~200 MB
 * (written to the temp folder), read from a file stream and, for the small one, from a gzip Buffer
 * as downloadBill returns it. Prints throughput and peak memory over the baseline, which should not
 * grow with the size of the bill.
 */
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { gzipSync } from 'zlib';
import { fromUnits } from '../cloudfunctions/common/bill/money';
import { parseBill, type BillInput } from '../cloudfunctions/common/bill/parse';
import { bytes } from './stats';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,' +
  '手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const GOODS = ['拿铁咖啡×2', '美式咖啡', '芝士蛋糕、抹茶拿铁', '会员月卡', '手冲豆 250g', '燕麦拿铁(大杯)'];

/** A full GC, for a clean baseline (the bench runs without --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Writes an ALL bill of about `targetBytes`: 90 % payments, 10 % refunds, with its summary. */
async function writeBill(path: string, targetBytes: number): Promise<{ rows: number; size: number }> {
  const out = createWriteStream(path);
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
  let seed = 42;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
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
  return { rows, size: statSync(path).size };
}

interface Run {
  rows: number;
  seconds: number;
  peakRss: number;
  peakHeap: number;
  baseRss: number;
  baseHeap: number;
  summaryMatches: boolean;
}

/** Parses one bill, sampling memory on a timer and every 5 000 rows. */
async function measure(input: () => BillInput): Promise<Run> {
  collectGarbage();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const started = process.hrtime.bigint();
  let rows = 0;
  let summaryMatches = false;
  try {
    for await (const entry of parseBill(input())) {
      if (entry.kind === 'summary') summaryMatches = entry.summaryMatches;
      else if (++rows % 5000 === 0) sample();
    }
  } finally {
    clearInterval(timer);
  }
  sample();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows, seconds, peakRss, peakHeap, baseRss: base.rss, baseHeap: base.heapUsed, summaryMatches };
}

function print(label: string, size: number, r: Run): void {
  const mbps = size / 1024 / 1024 / r.seconds;
  console.log(
    `${label.padEnd(34)} ${String(r.rows).padStart(8)} rows  ${r.seconds.toFixed(2).padStart(6)} s  ` +
      `${mbps.toFixed(1).padStart(6)} MiB/s  summary ${r.summaryMatches ? 'ok' : 'MISMATCH'}`,
  );
  console.log(
    `${''.padEnd(34)} peak rss ${bytes(r.peakRss)} (+${bytes(r.peakRss - r.baseRss)})  ` +
      `peak heapUsed ${bytes(r.peakHeap)} (+${bytes(r.peakHeap - r.baseHeap)})`,
  );
}

export async function benchBill(): Promise<void> {
  const sizes: Array<[string, number]> = [
    ['10 MB', 10 * 1024 * 1024],
    ['200 MB', 200 * 1024 * 1024],
  ];
  for (const [name, target] of sizes) {
    const path = join(tmpdir(), `paykit-bench-bill-${process.pid}-${target}.csv`);
    try {
      const written = await writeBill(path, target);
      console.log(`bill ${name}: ${bytes(written.size)}, ${written.rows} rows (${path})`);
      const size = written.size;
      print(`  file stream (${name})`, size, await measure(() => createReadStream(path)));
      if (target <= 10 * 1024 * 1024) {
        const zipped = gzipSync(readFileSync(path));
        console.log(`  gzip Buffer: ${bytes(zipped.length)} (held in memory, part of the baseline)`);
        print(`  gzip Buffer (${name})`, size, await measure(() => zipped));
      }
    } finally {
      rmSync(path, { force: true });
    }
  }
}
