/**
 * downloadBill for one Beijing day of 100,000 trades (and 5,000 refunds), in-process on a PayService
 * over a fresh SQLite file. Seeding: one real order is placed and paid through the service
 * (unifiedOrder + the payer's `pay`), and its stored row is cloned into 100,000 paid trades, spread
 * over the day, straight into the emulator's own pay_trades table (PayRecords, one transaction);
 * refunds are cloned the same way from one real refund. The bill is then generated from those rows
 * exactly as for a cloud function's call (the SDK transport is not part of this figure).
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SandboxClock } from '../sandbox/clock';
import { PayRecords, type RefundRow, type TradeRow } from '../sandbox/pay/records';
import { PayService, type PayAnswer } from '../sandbox/pay/service';
import { bytes, ms, summarize, withTarget } from './stats';

const TRADES = 100_000;
const REFUNDS = 5_000;
const RUNS = 3;
/** downloadBill and reconcileBills have 60 s for fetching, parsing and reconciling: WeChat's part gets a tenth. */
const ANSWER_TARGET_MS = 6000;
const SUB_MCH_ID = '1900000109';
const OPENID = 'oBenchBillPayer';
/** 2024-03-15 00:00:00 Beijing. */
const DAY_START = Date.UTC(2024, 2, 14, 16, 0, 0);
const DAY = '20240315';
const CALLER = { appid: 'wxbenchminiapp0001', openid: OPENID, envId: 'paykit-sandbox' };

function json(answer: PayAnswer): Record<string, unknown> {
  if (!('json' in answer)) throw new Error('expected a JSON answer');
  return answer.json;
}

const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** One real paid order and one real refund, to clone. */
async function templates(
  pay: PayService,
  records: PayRecords,
): Promise<{ trade: TradeRow; refund: RefundRow }> {
  const order = json(
    await pay.call(
      'unifiedOrder',
      {
        body: '账单压测商品',
        out_trade_no: 'BILLTEMPLATE01',
        total_fee: 1999,
        spbill_create_ip: '127.0.0.1',
        sub_mch_id: SUB_MCH_ID,
        env_id: 'paykit-sandbox',
        function_name: 'payAck',
        nonce_str: 'bench',
        trade_type: 'JSAPI',
        attach: 'bench',
      },
      CALLER,
    ),
  );
  const pkg = (order.payment as { package: string }).package;
  const paid = await pay.act({ package: pkg, openid: OPENID, action: 'pay' });
  if (paid.errMsg !== 'requestPayment:ok') throw new Error(paid.errMsg);
  const refund = json(
    await pay.call(
      'refund',
      {
        sub_mch_id: SUB_MCH_ID,
        out_trade_no: 'BILLTEMPLATE01',
        out_refund_no: 'BILLTEMPLATER1',
        total_fee: 1999,
        refund_fee: 500,
        nonce_str: 'bench',
      },
      CALLER,
    ),
  );
  if (refund.result_code !== 'SUCCESS') throw new Error(JSON.stringify(refund));
  await pay.settle();
  return {
    trade: records.trade(SUB_MCH_ID, 'BILLTEMPLATE01') as TradeRow,
    refund: records.refund(SUB_MCH_ID, 'BILLTEMPLATER1') as RefundRow,
  };
}

function seed(records: PayRecords, t: TradeRow, r: RefundRow): void {
  const step = Math.floor((24 * 3600_000) / TRADES);
  records.transaction(() => {
    for (let i = 0; i < TRADES; i++) {
      const at = DAY_START + i * step;
      const no = `BILL${String(i).padStart(8, '0')}`;
      records.insertTrade({
        ...t,
        out_trade_no: no,
        total_fee: 1 + ((i * 7919) % 50_000),
        created_at: at,
        time_end: at,
        transaction_id: `42000${String(i).padStart(5, '0')}${DAY}${String(i).padStart(10, '0')}`,
        state: i < REFUNDS ? 'REFUND' : 'SUCCESS',
        refunded_fee: i < REFUNDS ? 1 : 0,
      });
      if (i < REFUNDS) {
        records.insertRefund({
          ...r,
          out_refund_no: `RBILL${String(i).padStart(8, '0')}`,
          refund_id: `50${String(i).padStart(8, '0')}${DAY}${String(i).padStart(11, '0')}`,
          out_trade_no: no,
          total_fee: 1 + ((i * 7919) % 50_000),
          refund_fee: 1,
          created_at: at + 60_000,
          success_at: at + 60_000,
        });
      }
    }
  });
}

export async function benchPayBill(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-bench-bill-'));
  const sqlite = new Database(path.join(dir, 'pay.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  const clock = new SandboxClock();
  clock.freeze(DAY_START - 3600_000);
  const pay = new PayService({ sqlite, clock, deliver: async () => ({ errcode: 0, errmsg: '' }) });
  pay.start();
  try {
    const records = new PayRecords(sqlite);
    const { trade, refund } = await templates(pay, records);
    const seeding = process.hrtime.bigint();
    seed(records, trade, refund);
    console.log(
      withTarget(
        `seeded ${TRADES.toLocaleString('en')} paid trades + ${REFUNDS.toLocaleString('en')} refunds of ${DAY} in ${ms(elapsed(seeding))}`,
        'setup: no target',
      ),
    );
    clock.set(DAY_START + 24 * 3600_000 + 10 * 3600_000); // 10:00 the next day
    for (const tarType of [undefined, 'GZIP']) {
      const times: number[] = [];
      let size = 0;
      let rows = 0;
      for (let run = 0; run < RUNS; run++) {
        const t = process.hrtime.bigint();
        const answer = await pay.call(
          'downloadBill',
          {
            sub_mch_id: SUB_MCH_ID,
            bill_date: DAY,
            bill_type: 'ALL',
            nonce_str: 'bench',
            ...(tarType ? { tar_type: tarType } : {}),
          },
          CALLER,
        );
        times.push(elapsed(t));
        if (!('raw' in answer)) throw new Error(`no bill: ${JSON.stringify(answer)}`);
        size = answer.raw.length;
        if (!tarType) rows = answer.raw.toString('utf8').split('\r\n').length - 4;
      }
      const s = summarize(times);
      const label = tarType ? 'downloadBill ALL, GZIP' : 'downloadBill ALL, text';
      console.log(
        withTarget(
          `${label.padEnd(24)} ${ms(s.p50).padStart(10)} (median of ${RUNS}, min ${ms(Math.min(...times))})  ${bytes(size).padStart(10)}${rows ? `  ${rows.toLocaleString('en')} detail rows` : ''}`,
          `≤ ${ANSWER_TARGET_MS / 1000} s`,
          s.p50 <= ANSWER_TARGET_MS,
        ),
      );
    }
  } finally {
    pay.close();
    clock.stop();
    sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
