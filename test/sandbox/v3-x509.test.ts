/** @jest-environment node */
/**
 * The sandbox's hand-made certificates (sandbox/pay/v3/x509.ts): valid DER for every serial, and
 * serials that read back from their certificate as themselves. A serial starting with a zero byte
 * (about one merchant in 256: two certificates, each 1 in 512) once made a certificate OpenSSL
 * refused ("illegal padding").
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { hexSerial } from '../../sandbox/merchant';
import { certificateSerial, integer, selfSignedCertificate } from '../../sandbox/pay/v3/x509';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const certificate = (serial: string) =>
  selfSignedCertificate({
    serial,
    commonName: 'test',
    organization: '测试',
    notBefore: Date.parse('2026-01-01T00:00:00Z'),
    notAfter: Date.parse('2031-01-01T00:00:00Z'),
    publicKey,
    signingKey: privateKey,
  });

test.each([
  ['7F', '02017f'],
  ['80', '02020080'],
  ['00', '020100'],
  ['0012', '020112'],
  ['000080', '02020080'],
  ['123', '02020123'],
])('the INTEGER of %s is %s: minimal, non-negative', (hex, der) => {
  expect(integer(hex).toString('hex')).toBe(der);
});

test('a certificate whose serial starts with zero bytes is valid DER', () => {
  const cert = new X509Certificate(certificate(`0012${'AB'.repeat(18)}`));
  expect(cert.serialNumber.toUpperCase()).toBe(`12${'AB'.repeat(18)}`);
});

test('merchant serials are 40 hex digits that read back from their certificate unchanged', () => {
  const serials = Array.from({ length: 2000 }, hexSerial);
  expect(serials.every((s) => /^[0-9A-F]{40}$/.test(s) && s.slice(0, 2) !== '00')).toBe(true);
  // The first byte spans 01..7f (no zero byte, no sign padding).
  const firsts = new Set(serials.map((s) => parseInt(s.slice(0, 2), 16)));
  expect(Math.min(...firsts)).toBeGreaterThanOrEqual(1);
  expect(Math.max(...firsts)).toBeLessThanOrEqual(0x7f);
  for (const serial of serials.slice(0, 20)) expect(certificateSerial(certificate(serial))).toBe(serial);
});
