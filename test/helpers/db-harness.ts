/**
 * An in-process `/admin` endpoint in front of one CloudDatabase, answering with the same envelopes
 * as the sandbox server (`{ requestId, ...body }` or `{ code, message, requestId }`), so the real
 * wx-server-sdk can be driven against the database without building the whole sandbox.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { SandboxClock } from '../../sandbox/clock';
import { CloudDatabase, type CloudDatabaseOptions } from '../../sandbox/cloud/database';
import { SandboxError } from '../../sandbox/errors';

const TRANSPORT = [
  'envName',
  'wxCloudApiToken',
  'wxCloudbaseAccesstoken',
  'tcb_sessionToken',
  'sessionToken',
];

export interface DbHarness {
  url: string;
  db: CloudDatabase;
  clock: SandboxClock;
  /** Every action received, in order (for protocol assertions). */
  actions: Array<{ action: string; params: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startDbHarness(opts: Partial<CloudDatabaseOptions> = {}): Promise<DbHarness> {
  const clock = opts.clock ?? new SandboxClock();
  const db = new CloudDatabase({ file: ':memory:', ...opts, clock });
  const actions: DbHarness['actions'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const requestId = `r${actions.length}`;
        let body: Record<string, unknown>;
        try {
          const params = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          for (const k of TRANSPORT) delete params[k];
          const action = String(params.action);
          actions.push({ action, params });
          body = { requestId, ...(await db.handle(action, params)) };
        } catch (err) {
          const e = err instanceof SandboxError ? err : new SandboxError('SYS_ERR', String(err));
          body = { code: e.code, message: e.message, requestId };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    clock,
    actions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        db.close();
      }),
  };
}
