/** @jest-environment node */
/**
 * The two Node APIv3 clients merchants use, unchanged, against a sandbox with the test merchant it
 * makes at first start: wechatpay-axios-plugin pointed at it with `baseURL` (it verifies every 2xx
 * answer's signature and timestamp itself), and wechatpay-node-v3, whose URLs are fixed to WeChat's
 * host, through its own transport hook (`createHttp`) with the host swapped (reference §1.5, §15).
 * Each does what a merchant's server does with it: order, the payer pays with the parameters it
 * signed, query, close, refund, fetch and check a bill, and verify and decrypt the notifications with
 * its own functions. The docs' recipes for both (README, "Third-party APIv3 clients") are these.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
import { PayRequest } from 'wechatpay-node-v3/dist/lib/pay-request';
import { eventually, post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { readMerchant, type MerchantFile } from '../helpers/v3client';

/** What axios (the plugin's own copy) rejects with for a non-2xx answer. */
interface AxiosRejection {
  isAxiosError: true;
  response: { status: number; data: unknown };
}

interface Notification {
  serial: string;
  verified: boolean;
  /** The decrypted resource. */
  resource: Record<string, unknown>;
}

const WECHAT_HOST = 'https://api.mch.weixin.qq.com';
const OPENID = 'oThirdPartySdkPayer01';
const DAY_MS = 24 * 3600_000;

let sandbox: SandboxProcess;
let merchant: MerchantFile;

beforeAll(async () => {
  // No cloud functions: only WeChat Pay is talked to. The merchant is the one a fresh data folder gets.
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-sdk-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
});
afterAll(() => sandbox.stop());

/** wechatpay-node-v3's own superagent transport, with WeChat's host replaced by the sandbox's URL. */
class ToSandbox extends PayRequest {
  post(url: string, params: Record<string, unknown>, headers: Record<string, string>) {
    return super.post(url.replace(WECHAT_HOST, sandbox.url), params, headers);
  }
  get(url: string, headers: Record<string, string>) {
    return super.get(url.replace(WECHAT_HOST, sandbox.url), headers);
  }
}

/** wechatpay-node-v3 as its README sets it up, on the sandbox's transport. */
function nodeV3(): WxPay {
  const pay = new WxPay({
    appid: merchant.appid,
    mchid: merchant.mchid,
    publicKey: Buffer.from(merchant.merchantCertificatePem),
    privateKey: Buffer.from(merchant.merchantPrivateKeyPem),
    key: merchant.apiV3Key,
  });
  pay.createHttp(new ToSandbox());
  return pay;
}

/**
 * wechatpay-axios-plugin in public-key mode, as a merchant since 2024 has it: the key under its
 * PUB_KEY_ID, which goes out as Wechatpay-Serial.
 */
function axiosPlugin(): Wechatpay {
  return new Wechatpay({
    mchid: merchant.mchid,
    serial: merchant.merchantSerial,
    privateKey: merchant.merchantPrivateKeyPem,
    certs: { [merchant.publicKeyId]: merchant.publicKeyPem },
    baseURL: `${sandbox.url}/`,
    headers: { 'Wechatpay-Serial': merchant.publicKeyId },
  });
}

/** A JSAPI order's body (§4.1) as the merchant's server sends it. */
function jsapiOrder(outTradeNo: string, total: number, notifyUrl: string) {
  return {
    appid: merchant.appid,
    mchid: merchant.mchid,
    description: '第三方 SDK 测试',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl,
    amount: { total, currency: 'CNY' },
    payer: { openid: OPENID },
  };
}

/** The payer in the mini-program: `wx.requestPayment` with the parameters the merchant's server signed. */
async function payAs(params: Record<string, unknown>): Promise<string> {
  const { errMsg } = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
    ...params,
    openid: OPENID,
  });
  return errMsg;
}

/** A merchant's notify URL on loopback; `check` is the SDK's verification and decryption. */
async function notifyServer(
  check: (headers: http.IncomingHttpHeaders, body: string) => Promise<Notification>,
): Promise<{ url: string; received: Notification[]; close(): void }> {
  const received: Notification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      void check(req.headers, body).then(
        (n) => {
          received.push(n);
          res.writeHead(n.verified ? 204 : 401).end();
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/wxpay/notify`, received, close: () => server.close() };
}

const header = (headers: http.IncomingHttpHeaders, name: string) => String(headers[name] ?? '');
const sha1 = (text: string | Buffer) => createHash('sha1').update(text).digest('hex');
/** The Beijing calendar day of an instant, as bill_date takes it. */
const beijingDay = (at: number) => new Date(at + 8 * 3600_000).toISOString().slice(0, 10);
const clock = (body: Record<string, unknown>) => post(`${sandbox.url}/sandbox/clock`, body);

describe('wechatpay-axios-plugin, pointed at the sandbox with baseURL', () => {
  let wxpay: Wechatpay;
  let notify: Awaited<ReturnType<typeof notifyServer>>;

  beforeAll(async () => {
    wxpay = axiosPlugin();
    notify = await notifyServer(async (headers, body) => {
      const message = Formatter.joinedByLineFeed(
        header(headers, 'wechatpay-timestamp'),
        header(headers, 'wechatpay-nonce'),
        body,
      );
      const serial = header(headers, 'wechatpay-serial');
      const verified =
        serial === merchant.publicKeyId &&
        Rsa.verify(message, header(headers, 'wechatpay-signature'), merchant.publicKeyPem);
      const { resource } = JSON.parse(body) as { resource: Record<string, string> };
      const plain = Aes.AesGcm.decrypt(
        resource.ciphertext,
        merchant.apiV3Key,
        resource.nonce,
        resource.associated_data,
      );
      return { serial, verified, resource: JSON.parse(plain) as Record<string, unknown> };
    });
  });
  afterAll(() => notify.close());

  const order = (outTradeNo: string, total: number) =>
    wxpay.v3.pay.transactions.jsapi.post(jsapiOrder(outTradeNo, total, notify.url));

  it('orders, is paid with the parameters it signs, queries, refunds and verifies every notification', async () => {
    const no = `AXIOS${Date.now()}`;
    const ordered = await order(no, 2800);
    expect(ordered.status).toBe(200);
    // The plugin types an answer's data as the request's body.
    const { prepay_id: prepayId } = ordered.data as unknown as { prepay_id: string };
    expect(prepayId).toMatch(/^wx\d{14}/);

    // The merchant's server signs the payment parameters (§4.3) with the plugin's own helpers.
    const timeStamp = String(Formatter.timestamp());
    const nonceStr = Formatter.nonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = Rsa.sign(
      Formatter.joinedByLineFeed(merchant.appid, timeStamp, nonceStr, pkg),
      merchant.merchantPrivateKeyPem,
    );
    expect(
      await payAs({ appId: merchant.appid, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign }),
    ).toBe('requestPayment:ok');

    const byNo = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.get({
      params: { mchid: merchant.mchid },
      out_trade_no: no,
    });
    expect(byNo.data).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS', amount: { total: 2800 } });
    const transactionId = (byNo.data as { transaction_id: string }).transaction_id;
    const byId = await wxpay.v3.pay.transactions.id.$transaction_id$.get({
      params: { mchid: merchant.mchid },
      transaction_id: transactionId,
    });
    expect(byId.data).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS' });

    const refunded = await wxpay.v3.refund.domestic.refunds.post({
      out_trade_no: no,
      out_refund_no: `R${no}`,
      notify_url: notify.url,
      amount: { refund: 800, total: 2800, currency: 'CNY' },
    });
    expect(refunded.data).toMatchObject({ out_refund_no: `R${no}`, status: 'PROCESSING' });
    const refund = await eventually(async () => {
      const r = await wxpay.v3.refund.domestic.refunds.$out_refund_no$.get({ out_refund_no: `R${no}` });
      return (r.data as { status: string }).status === 'SUCCESS' ? r.data : undefined;
    });
    expect(refund).toMatchObject({ amount: { refund: 800, total: 2800 } });

    const mine = await eventually(() => {
      const list = notify.received.filter((n) => n.resource.out_trade_no === no);
      return list.length >= 2 ? list : undefined;
    });
    expect(mine.every((n) => n.verified && n.serial === merchant.publicKeyId)).toBe(true);
    expect(mine.map((n) => n.resource.trade_state ?? n.resource.refund_status).sort()).toEqual([
      'SUCCESS',
      'SUCCESS',
    ]);
    expect(mine.find((n) => n.resource.trade_state)?.resource).toMatchObject({
      transaction_id: transactionId,
      payer: { openid: OPENID },
      amount: { total: 2800, payer_total: 2800 },
    });
  });

  it("closes with a 204 whose signature it checks, and surfaces WeChat's errors as AxiosError", async () => {
    const no = `AXCLOSE${Date.now()}`;
    await order(no, 100);
    const closed = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post(
      { mchid: merchant.mchid },
      { out_trade_no: no },
    );
    expect(closed.status).toBe(204);

    const notFound = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$
      .get({ params: { mchid: merchant.mchid }, out_trade_no: `${no}X` })
      .catch((e: unknown) => e);
    expect(notFound).toMatchObject({ isAxiosError: true });
    expect((notFound as AxiosRejection).response).toMatchObject({
      status: 404,
      data: { code: 'ORDER_NOT_EXIST', message: expect.any(String) },
    });

    // The pitfall of §15: an amount in yuan.
    const inYuan = await order(`AXYUAN${Date.now()}`, 0.01).catch((e: unknown) => e);
    expect((inYuan as AxiosRejection).response).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR' } });
  });
});

describe('wechatpay-node-v3, with its transport sending WeChat host requests to the sandbox', () => {
  let pay: WxPay;
  let notify: Awaited<ReturnType<typeof notifyServer>>;

  beforeAll(async () => {
    pay = nodeV3();
    notify = await notifyServer(async (headers, body) => {
      const serial = header(headers, 'wechatpay-serial');
      const verified = await pay
        .verifySign({
          timestamp: header(headers, 'wechatpay-timestamp'),
          nonce: header(headers, 'wechatpay-nonce'),
          serial,
          signature: header(headers, 'wechatpay-signature'),
          body,
        })
        .catch(() => false);
      const { resource } = JSON.parse(body) as { resource: Record<string, string> };
      const plain = pay.decipher_gcm<Record<string, unknown>>(
        resource.ciphertext,
        resource.associated_data,
        resource.nonce,
      );
      return { serial, verified, resource: plain };
    });
    // It verifies with platform certificates only (it fetches them from /v3/certificates): the
    // merchant's account signs in certificate mode.
    await post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'certificate' });
  });
  afterAll(async () => {
    notify.close();
    await post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'publicKey' });
  });

  const order = (outTradeNo: string, total: number) =>
    pay.transactions_jsapi(jsapiOrder(outTradeNo, total, notify.url));

  it('orders and its requestPayment parameters pay; it queries, refunds, closes and verifies the notifications', async () => {
    const no = `NODEV3${Date.now()}`;
    const ordered = await order(no, 1500);
    expect(ordered.status).toBe(200);
    // transactions_jsapi returns the parameters for wx.requestPayment, signed by the SDK (its short nonce too).
    expect(ordered.data).toMatchObject({
      appId: merchant.appid,
      signType: 'RSA',
      package: expect.stringMatching(/^prepay_id=wx/),
    });
    expect(await payAs(ordered.data as Record<string, unknown>)).toBe('requestPayment:ok');

    const byNo = await pay.query({ out_trade_no: no });
    expect(byNo).toMatchObject({ status: 200, data: { trade_state: 'SUCCESS', amount: { total: 1500 } } });
    const transactionId = (byNo.data as { transaction_id: string }).transaction_id;
    expect(await pay.query({ transaction_id: transactionId })).toMatchObject({
      status: 200,
      data: { out_trade_no: no, trade_state: 'SUCCESS' },
    });

    const refunded = await pay.refunds({
      out_trade_no: no,
      out_refund_no: `R${no}`,
      notify_url: notify.url,
      amount: { refund: 500, total: 1500, currency: 'CNY' },
    });
    expect(refunded).toMatchObject({ status: 200, data: { status: 'PROCESSING' } });
    await eventually(async () => {
      const r = await pay.find_refunds(`R${no}`);
      return (r.data as { status?: string } | undefined)?.status === 'SUCCESS' ? r : undefined;
    });

    const mine = await eventually(() => {
      const list = notify.received.filter((n) => n.resource.out_trade_no === no);
      return list.length >= 2 ? list : undefined;
    });
    // Signed with the platform certificate the SDK fetched and decrypted from /v3/certificates.
    expect(mine.every((n) => n.verified && /^[0-9A-F]{40}$/.test(n.serial))).toBe(true);
    expect(mine.map((n) => n.resource.trade_state ?? n.resource.refund_status).sort()).toEqual([
      'SUCCESS',
      'SUCCESS',
    ]);

    const other = `NODEV3CLOSE${Date.now()}`;
    await order(other, 100);
    expect(await pay.close(other)).toMatchObject({ status: 204 });
    expect(await pay.query({ out_trade_no: other })).toMatchObject({ data: { trade_state: 'CLOSED' } });
  });

  it("answers WeChat's errors in its { status, error } shape", async () => {
    const missing = await pay.query({ out_trade_no: `NODEV3NONE${Date.now()}` });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.error as string)).toMatchObject({ code: 'ORDER_NOT_EXIST' });
  });

  it('signs a path before its transport percent-encodes it: an out_trade_no with | is SIGN_ERROR, as at WeChat', async () => {
    // `|` is allowed in out_trade_no; WeChat checks the signature over the URL as sent (§1.2), and
    // this client signs `…/A|B` while superagent sends `…/A%7CB`. The plugin signs what it sends.
    const no = `NODEV3|${Date.now()}`;
    expect((await order(no, 100)).status).toBe(200);
    const query = await pay.query({ out_trade_no: no });
    expect(query.status).toBe(401);
    expect(JSON.parse(query.error as string)).toMatchObject({
      code: 'SIGN_ERROR',
      detail: {
        sign_information: {
          url: `/v3/pay/transactions/out-trade-no/${no.replace('|', '%7C')}?mchid=${merchant.mchid}`,
        },
      },
    });
    const plugin = await axiosPlugin().v3.pay.transactions.outTradeNo.$out_trade_no$.get({
      params: { mchid: merchant.mchid },
      out_trade_no: no,
    });
    expect(plugin.data).toMatchObject({ out_trade_no: no, trade_state: 'NOTPAY' });
  });

  it('verifies public-key mode notifications once the PUB_KEY_ID key is in its certificate map', async () => {
    await post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'publicKey' });
    // Its map of verification keys by serial is static; it has no option for a WeChat Pay public key (§15).
    (WxPay as unknown as { certificates: Record<string, string> }).certificates[merchant.publicKeyId] =
      merchant.publicKeyPem;
    const no = `NODEV3PK${Date.now()}`;
    const ordered = await order(no, 300);
    expect(await payAs(ordered.data as Record<string, unknown>)).toBe('requestPayment:ok');
    const [received] = await eventually(() => {
      const list = notify.received.filter((n) => n.resource.out_trade_no === no);
      return list.length ? list : undefined;
    });
    expect(received).toMatchObject({
      verified: true,
      serial: merchant.publicKeyId,
      resource: { trade_state: 'SUCCESS' },
    });
  });
});

describe("a day's trade bill through both clients", () => {
  // Paid two days ago on the sandbox clock (a bill is ready from 10:00 the next day), then back to
  // real time: the strict client checks answers' timestamps against its own clock.
  const paidAt = Date.now() - 2 * DAY_MS;
  const billDate = beijingDay(paidAt);
  const no = `BILL${paidAt}`;
  let pay: WxPay;

  beforeAll(async () => {
    pay = nodeV3();
    await clock({ action: 'set', at: paidAt });
    const ordered = await pay.transactions_jsapi(jsapiOrder(no, 4200, 'https://example.com/wxpay/notify'));
    expect(await payAs(ordered.data as Record<string, unknown>)).toBe('requestPayment:ok');
    await clock({ action: 'set', at: Date.now() });
  });

  it.each([
    ['CSV', undefined],
    ['GZIP', 'GZIP'],
  ] as const)('wechatpay-node-v3 downloads it (%s) and the bytes match hash_value', async (_, tarType) => {
    const applied = await pay.tradebill({
      bill_date: billDate,
      bill_type: 'ALL',
      ...(tarType && { tar_type: tarType }),
    });
    expect(applied).toMatchObject({ status: 200, data: { hash_type: 'SHA1' } });
    const { download_url: url, hash_value: hash } = applied.data as {
      download_url: string;
      hash_value: string;
    };
    expect(url.startsWith(`${WECHAT_HOST}/v3/billdownload/file?token=`)).toBe(true);
    const file = await pay.downloadBill(url);
    expect(file.status).toBe(200);
    // A string for text/plain, the raw bytes for application/x-gzip (reference §15).
    const text = tarType ? gunzipSync(file.data as Buffer).toString('utf8') : (file.data as string);
    expect(sha1(text)).toBe(hash);
    expect(text).toContain(no);
  });

  it('wechatpay-axios-plugin downloads it and the bytes match hash_value', async () => {
    const wxpay = axiosPlugin();
    const applied = await wxpay.v3.bill.tradebill.get({ params: { bill_date: billDate, bill_type: 'ALL' } });
    const { download_url: url, hash_value: hash } = applied.data as {
      download_url: string;
      hash_value: string;
    };
    // The download_url keeps WeChat's host: its path and query go to the sandbox.
    const file = await wxpay.v3.billdownload.file.get({
      params: Object.fromEntries(new URL(url).searchParams),
      responseType: 'arraybuffer',
    });
    const text = Buffer.from(file.data as ArrayBuffer).toString('utf8');
    expect(sha1(text)).toBe(hash);
    expect(text).toContain(no);
  });
});
