/**
 * Preloaded (`node --require`) into the sandbox and its function workers by the screenshot views, so
 * the order, transaction and refund numbers in the pictures are the same on every run. Only node's
 * crypto random sources are replaced; the kit, the sandbox and wx-server-sdk run unchanged.
 *
 * Each call site draws from its own stream, so calls that race (a callback and a query) do not shift
 * each other's numbers. In a function worker the streams restart at every invocation, from what the
 * invocation is (function, event, caller, clock), so it does not matter which warm instance serves it.
 */
'use strict';
const crypto = require('crypto');
const path = require('path');

const SEED = process.env.PAYKIT_SHOTS_SEED || 'weapp-paykit screenshots';
// Paths in call sites and entries are taken relative to the project, so any checkout draws the same.
const ROOT = path.resolve(__dirname, '../..');
const relative = (text) => text.split(ROOT).join('');
let base = SEED;
const counters = new Map();

/**
 * The first stack frame outside this file: the code that asked for randomness. A named function is
 * known by its name and file, not its line and column, so the pictures keep their numbers when code
 * elsewhere in the same bundle moves; an anonymous one by its position.
 */
function callSite() {
  const frames = (new Error().stack || '').split('\n').slice(1);
  const frame = frames.find((line) => !line.includes(__filename)) || '';
  const named = /^\s*at (?:async )?(.+?) \((.+):\d+:\d+\)$/.exec(frame);
  return relative(named ? `${named[1]} ${named[2]}` : frame);
}

function draw(length) {
  const site = callSite();
  const n = (counters.get(site) || 0) + 1;
  counters.set(site, n);
  const chunks = [];
  for (let i = 0, got = 0; got < length; i++) {
    const chunk = crypto.createHash('sha256').update(`${base}\n${site}\n${n}\n${i}`).digest();
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

crypto.randomBytes = function randomBytes(size, callback) {
  const bytes = draw(size);
  if (typeof callback === 'function') {
    process.nextTick(callback, null, bytes);
    return undefined;
  }
  return bytes;
};

crypto.randomInt = function randomInt(min, max, callback) {
  if (typeof max !== 'number') {
    callback = max;
    max = min;
    min = 0;
  }
  const value = min + (draw(6).readUIntBE(0, 6) % (max - min));
  if (typeof callback === 'function') {
    process.nextTick(callback, null, value);
    return undefined;
  }
  return value;
};

crypto.randomUUID = function randomUUID() {
  const b = draw(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

// Registered before the worker's own listener, so the streams restart before the function runs.
process.on('message', (msg) => {
  if (!msg || msg.type !== 'invoke') return;
  const who = (msg.env && msg.env.WX_OPENID) || '';
  base = `${SEED}\n${relative(String(msg.entry))}\n${msg.now}\n${who}\n${JSON.stringify(msg.event)}`;
  counters.clear();
});
