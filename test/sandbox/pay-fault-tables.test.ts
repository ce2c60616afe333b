/** @jest-environment node */
/**
 * The fault tables are read on every pay call and callback only while they may hold a fault: once
 * known empty, no query. Two owners of one table (cloudPay's and APIv3's ApiFaults) must still see
 * each other's faults at once, and a used-up or cleared fault must not come back.
 */
import Database from 'better-sqlite3';
import { CallbackFaults } from '../../sandbox/pay/callback-faults';
import { ApiFaults } from '../../sandbox/pay/faults';
import { createPaySchema } from '../../sandbox/pay/schema';

function paySchema(): Database.Database {
  const db = new Database(':memory:');
  createPaySchema(db);
  return db;
}

test('a fault added through one owner of pay_faults is taken through the other, once per use', () => {
  const db = paySchema();
  const cloudPay = new ApiFaults(db);
  const v3 = new ApiFaults(db);
  // Both learn the table is empty.
  expect(cloudPay.take('unifiedOrder')).toBeUndefined();
  expect(v3.take('transactions.jsapi')).toBeUndefined();
  cloudPay.add({ api: '*', count: 2, error: 'SYSTEMERROR' });
  expect(v3.take('transactions.jsapi')).toMatchObject({ api: '*', error: 'SYSTEMERROR' });
  expect(cloudPay.take('unifiedOrder')).toMatchObject({ api: '*', error: 'SYSTEMERROR' });
  expect(cloudPay.take('unifiedOrder')).toBeUndefined();
  expect(v3.list()).toEqual([]);
  v3.add({ api: 'queryOrder', count: 1, error: 'SYSTEMERROR' });
  cloudPay.clear();
  expect(v3.take('queryOrder')).toBeUndefined();
  db.close();
});

test('callback faults: known empty, then added, taken, and cleared', () => {
  const db = paySchema();
  const faults = new CallbackFaults(db);
  const other = new CallbackFaults(db);
  expect(faults.take('payment', ['drop'])).toBeUndefined();
  other.add({ mode: 'drop', count: 1 });
  expect(faults.take('refund', ['delay'])).toBeUndefined();
  expect(faults.take('payment', ['drop'])).toMatchObject({ mode: 'drop', remaining: 1 });
  expect(faults.take('payment', ['drop'])).toBeUndefined();
  other.add({ mode: 'hold', count: 3, kind: 'refund' });
  faults.clear();
  expect(other.take('refund', ['hold'])).toBeUndefined();
  db.close();
});

test('a data folder from before SLOW faults gets their delay column, its faults kept', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE pay_faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    api TEXT NOT NULL,
    remaining INTEGER NOT NULL,
    error TEXT NOT NULL,
    after_processing INTEGER NOT NULL DEFAULT 0
  )`);
  db.prepare('INSERT INTO pay_faults (api, remaining, error) VALUES (?, ?, ?)').run('refund', 2, 'NOTENOUGH');
  createPaySchema(db);
  const faults = new ApiFaults(db);
  expect(faults.list()).toEqual([expect.objectContaining({ api: 'refund', remaining: 2, delayMs: 0 })]);
  faults.add({ api: 'queryOrder', count: 1, error: 'SLOW', delayMs: 2500 });
  expect(faults.take('queryOrder')).toMatchObject({ error: 'SLOW', delayMs: 2500 });
  // A second start finds the column there.
  createPaySchema(db);
  db.close();
});
