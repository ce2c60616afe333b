/**
 * What the APIv3 notification suites share: a sandbox whose notify route is the `v3Notify` fixture,
 * a paid order whose notification goes to a given URL, the delivery log, and a loopback merchant
 * server that verifies what it receives.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { eventually, get, post } from './control';
import { buildFixtureFunctions } from './fixtures';
import { startSandboxProcess, type SandboxProcess } from './sandbox';
import { V3Client, readMerchant, verifySignature, type MerchantFile } from './v3client';

export const OPENID = 'oV3PayerOpenid0001';
/** 2024-03-15 10:00 Beijing. */
export const T0 = Date.UTC(2024, 2, 15, 2, 0, 0);

export interface Delivery {
  attempt: number;
  startedAt: number;
  outcome: string;
  answer?: Record<string, unknown>;
  error?: string;
  event: Record<string, unknown>;
}

export interface NotifyHarness {
  sandbox: SandboxProcess;
  merchant: MerchantFile;
  client: V3Client;
  /** notify_url of the `/paykit/v3/notify` route on the sandbox's HTTP access domain. */
  accessUrl: string;
  orderAndPay(no: string, notifyUrl: string): Promise<void>;
  deliveries(no: string, count: number): Promise<Delivery[]>;
  advance(ms: number): Promise<unknown>;
  loopbackServer(answer?: (verified: boolean) => number): Promise<LoopbackServer>;
}

export interface LoopbackServer {
  received: Array<{ headers: http.IncomingHttpHeaders; body: Buffer; verified: boolean }>;
  url: string;
  close(): void;
}

/** A sandbox on a clock frozen at T0, with the notify route served by the `v3Notify` fixture. */
export async function startNotifyHarness(): Promise<NotifyHarness> {
  const sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['v3Notify']), '--route', '/paykit/v3/notify=v3Notify'],
  });
  const merchant = readMerchant(sandbox.dataDir);
  const client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
  const { domain } = await get<{ domain: string }>(`${sandbox.url}/sandbox/access/routes`);
  await post(`${sandbox.url}/sandbox/clock`, { action: 'freeze', at: T0 });
  return {
    sandbox,
    merchant,
    client,
    accessUrl: `https://${domain}/paykit/v3/notify`,
    async orderAndPay(no, notifyUrl) {
      const order = await client.order(no, { notify_url: notifyUrl });
      if (order.status !== 200) throw new Error(`order ${no}: ${order.status} ${order.text}`);
      const paid = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
        ...client.payment(order.json.prepay_id as string),
        openid: OPENID,
      });
      if (paid.errMsg !== 'requestPayment:ok') throw new Error(`pay ${no}: ${paid.errMsg}`);
    },
    deliveries: (no, count) =>
      eventually(
        async () => {
          const { deliveries: list } = await get<{ deliveries: Delivery[] }>(
            `${sandbox.url}/sandbox/pay/deliveries?outTradeNo=${no}`,
          );
          const done = list.filter((d) => d.outcome !== 'pending');
          return done.length >= count ? done : undefined;
        },
        8000,
        `${count} deliveries of ${no}`,
      ),
    advance: (ms) => post(`${sandbox.url}/sandbox/clock`, { action: 'advance', ms }),
    loopbackServer: (answer) => loopbackServer(merchant, answer),
  };
}

/** A merchant server on loopback that verifies what it gets, answering 204 or 401 (failed verification). */
async function loopbackServer(
  merchant: MerchantFile,
  answer: (verified: boolean) => number = (verified) => (verified ? 204 : 401),
): Promise<LoopbackServer> {
  const received: LoopbackServer['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const verified = verifySignature(merchant, new Headers(req.headers as Record<string, string>), body);
      received.push({ headers: req.headers, body, verified });
      res.writeHead(answer(verified));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { received, url: `http://127.0.0.1:${port}/wxpay/notify`, close: () => server.close() };
}
