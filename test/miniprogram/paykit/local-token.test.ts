/**
 * Local mode against a sandbox exposed beyond loopback (`npm start -- --host 0.0.0.0`, to preview on a
 * phone): the client sends `gatewayToken` with every gateway call and with the pay sheet, and without
 * it the sandbox's refusal comes back as a PaykitError naming it. (Traffic still goes to 127.0.0.1.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { callPaykit } from '../../../miniprogram/paykit/client';
import { configurePaykit } from '../../../miniprogram/paykit/config';
import { PaykitError } from '../../../miniprogram/paykit/errors';
import { requestPayment } from '../../../miniprogram/paykit/payment';
import { miniprogramSuite } from '../../helpers/mp-suite';

const suite = miniprogramSuite({
  user: () => 'oPaykitLocalUser',
  // The default seed (coffee-latte and friends), as npm start gives it.
  start: { args: ['--host', '0.0.0.0'] },
});

afterEach(() => suite.wxs.uninstall());

const token = () => fs.readFileSync(path.join(suite.sandbox.dataDir, 'access-token'), 'utf8').trim();

test('with gatewayToken the shop orders and the sandbox pay sheet pays', async () => {
  configurePaykit({ mode: 'local', gatewayUrl: suite.sandbox.url, gatewayToken: token() });
  Object.defineProperty(wx, 'showActionSheet', {
    configurable: true,
    writable: true,
    value: (options: WechatMiniprogram.ShowActionSheetOption) =>
      options.success?.({ tapIndex: 0, errMsg: 'showActionSheet:ok' }),
  });
  const { totalFee, payment } = await callPaykit('unifiedOrder', {
    items: [{ sku: 'coffee-latte', quantity: 1 }],
  });
  expect(totalFee).toBe(2800);
  expect(await requestPayment(payment)).toEqual({ status: 'paid' });
});

test('without it the refusal is a PaykitError that says what is missing', async () => {
  configurePaykit({ mode: 'local', gatewayUrl: suite.sandbox.url });
  const error = await callPaykit('listOrders', {}).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(PaykitError);
  expect((error as PaykitError).code).toBe('FUNCTION_ERROR');
  expect((error as PaykitError).detail).toContain('UNAUTHORIZED');
});
