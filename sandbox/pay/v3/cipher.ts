/** AEAD_AES_256_GCM as WeChat uses it (§3.3): key = the APIv3 key's 32 bytes, IV = a 12-char nonce,
 *  ciphertext = base64(encrypted ‖ 16-byte tag). */
import { createCipheriv, createDecipheriv, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function gcmNonce(): string {
  let out = '';
  for (let i = 0; i < 12; i++) out += ALPHABET[randomInt(0, ALPHABET.length)];
  return out;
}

export function encryptResource(apiV3Key: string, nonce: string, aad: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
}

/** Throws when the tag does not match. */
export function decryptResource(apiV3Key: string, nonce: string, aad: string, ciphertext: string): string {
  const buf = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  decipher.setAuthTag(buf.subarray(buf.length - 16));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([decipher.update(buf.subarray(0, buf.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}
