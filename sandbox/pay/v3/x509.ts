/**
 * A minimal self-signed X.509 v3 certificate (RSA, sha256WithRSAEncryption), DER-encoded by hand:
 * node:crypto parses certificates but cannot make them, and the sandbox's merchant and platform
 * certificates only need a subject, a serial, a validity and the public key.
 */
import { createSign, X509Certificate, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));

function oid(text: string): Buffer {
  const [a, b, ...rest] = text.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A non-negative DER INTEGER: no redundant leading zero byte (OpenSSL refuses one), one added where
 *  the top bit is set. */
export function integer(hex: string): Buffer {
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

/** GeneralizedTime covers every year (UTCTime stops at 2049). */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  return tlv(0x18, Buffer.from(`${iso.slice(0, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
}

function name(commonName: string, organization: string): Buffer {
  const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
  return seq(
    set(seq(oid('2.5.4.6'), tlv(0x13, Buffer.from('CN', 'ascii')))),
    set(seq(oid('2.5.4.10'), utf8(organization))),
    set(seq(oid('2.5.4.3'), utf8(commonName))),
  );
}

export interface CertificateSpec {
  /** Upper-case hex, e.g. 40 characters like WeChat's serials. */
  serial: string;
  commonName: string;
  organization: string;
  notBefore: number;
  notAfter: number;
  publicKey: KeyObject;
  /** The issuer's key: the certificate's own private key for a self-signed one. */
  signingKey: KeyObject;
}

/** PEM of the certificate. */
export function selfSignedCertificate(spec: CertificateSpec): string {
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const subject = name(spec.commonName, spec.organization);
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, integer('02')),
    integer(spec.serial),
    algorithm,
    subject,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spki,
  );
  const signature = createSign('RSA-SHA256').update(tbs).sign(spec.signingKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body.trim()}\n-----END CERTIFICATE-----\n`;
}

/** The serial as WeChat writes it: upper-case hex without separators. */
export function certificateSerial(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}
