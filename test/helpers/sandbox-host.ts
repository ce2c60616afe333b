/**
 * One process per jest worker that starts the suites' sandboxes in itself, one after another, instead
 * of a new Node process per suite (test/helpers/sandbox.ts decides which sandboxes it may host).
 * Each is what `paykit-sandbox start <args>` starts (the built dist/sandbox/cli.js, startFromArgs):
 * its own data folder, port, clock, database and function instances, all closed when the suite stops
 * it. What the host saves is the ~0.2 s of CPU a sandbox process takes to start, a hundred times a run.
 *
 * Run as `node <this file compiled> <info file> <dist/sandbox/cli.js>`: it listens on loopback, writes
 * `{ url, token, pid, parent }` to the info file for the worker's next suites, and takes
 * `POST /start { args }` → `{ id, url, envId, dataDir }` and `POST /stop { id }`, with the token as
 * `x-paykit-host-token`. It ends when the jest worker that started it does, or on SIGTERM
 * (test/global-teardown.ts), closing what it still runs.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { SandboxError } from '../../sandbox/errors';
import { badRequest, readJson, sendError, sendJson } from '../../sandbox/http';

interface Hosted {
  url: string;
  envId: string;
  dataDir: string;
  close(): Promise<void>;
}

const [infoFile, cliFile] = process.argv.slice(2);
const token = randomBytes(16).toString('hex');
const parent = process.ppid;
const running = new Map<number, Hosted>();
let nextId = 1;

const cli = require(cliFile) as { startFromArgs(args: string[]): Promise<Hosted> };

async function handle(req: http.IncomingMessage): Promise<unknown> {
  const body = await readJson(req);
  if (req.url === '/start') {
    const args = body.args;
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw badRequest('args: strings');
    const sandbox = await cli.startFromArgs(args);
    const id = nextId++;
    running.set(id, sandbox);
    return { id, url: sandbox.url, envId: sandbox.envId, dataDir: sandbox.dataDir };
  }
  if (req.url === '/stop') {
    const sandbox = running.get(Number(body.id));
    running.delete(Number(body.id));
    await sandbox?.close();
    return { stopped: Boolean(sandbox) };
  }
  throw new SandboxError('NOT_FOUND', `no route ${req.url}`, 404);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.headers['x-paykit-host-token'] !== token) {
    return sendError(res, new SandboxError('FORBIDDEN', 'POST with the host token only', 403));
  }
  handle(req).then(
    (result) => sendJson(res, 200, result),
    (err: unknown) => sendError(res, err),
  );
});

async function shutdown(): Promise<never> {
  await Promise.all([...running.values()].map((s) => s.close().catch(() => undefined)));
  process.exit(0);
}

process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
// The jest worker that started it is gone (its run ended or crashed): so is this host.
setInterval(() => {
  if (process.ppid !== parent) void shutdown();
}, 500).unref();

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const tmp = `${infoFile}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(infoFile), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify({ url: `http://127.0.0.1:${port}`, token, pid: process.pid, parent }));
  fs.renameSync(tmp, infoFile);
});
