/**
 * SSH public key blobs as OpenSSH reads them (sshkey.c): fingerprints, the key type inside a blob,
 * the checks that decide whether a known_hosts key is loadable, and strict base64. Used by the
 * known_hosts parser (knownHostsLines.ts) and the verifier (hostKeys.ts).
 */
import { createHash, createPublicKey } from 'crypto';

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH wire-format public key (its first string), if well-formed. */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  const type = keyBlob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Reads SSH wire-format strings (RFC 4251 §5) off a key blob; undefined once the data runs out. */
class WireReader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}
  string(): Buffer | undefined {
    if (this.offset + 4 > this.data.length) return undefined;
    const length = this.data.readUInt32BE(this.offset);
    if (this.offset + 4 + length > this.data.length) return undefined;
    const value = this.data.subarray(this.offset + 4, this.offset + 4 + length);
    this.offset += 4 + length;
    return value;
  }
  /** A non-negative mpint without its sign padding, or undefined when negative or badly padded. */
  mpint(): Buffer | undefined {
    const value = this.string();
    if (!value) return undefined;
    if (value.length > 0 && value[0] & 0x80) return undefined;
    if (value.length > 1 && value[0] === 0 && !(value[1] & 0x80)) return undefined;
    return value[0] === 0 ? value.subarray(1) : value;
  }
  get done(): boolean {
    return this.offset === this.data.length;
  }
}

const CURVES: Record<string, { jwk: string; size: number }> = {
  nistp256: { jwk: 'P-256', size: 32 },
  nistp384: { jwk: 'P-384', size: 48 },
  nistp521: { jwk: 'P-521', size: 66 },
};

function bitLength(value: Buffer): number {
  return value.length === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(value[0]));
}

/** Whether an uncompressed EC point lies on the curve (OpenSSH refuses keys that do not). */
function validEcPoint(curve: { jwk: string; size: number }, point: Buffer): boolean {
  if (point.length !== 1 + 2 * curve.size || point[0] !== 0x04) return false;
  const x = point.subarray(1, 1 + curve.size).toString('base64url');
  const y = point.subarray(1 + curve.size).toString('base64url');
  try {
    createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x, y }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a public key blob is not one OpenSSH would load, or undefined when it is. Checks what sshkey.c
 * checks: the fields of each type, nothing left over, RSA of 1024..16384 bits, EC points on their curve.
 * Certificates are taken on their type name (they never vouch for a plain host key here anyway).
 */
export function publicKeyProblem(type: string, blob: Buffer): string | undefined {
  const reader = new WireReader(blob);
  if (reader.string()?.toString('latin1') !== type) return `the key data is not a ${type} key`;
  const bad = `the ${type} key data is malformed`;
  if (CERT_TYPE.test(type)) return reader.string() ? undefined : bad;
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    if (reader.string()?.length !== 32) return bad;
    if (type.startsWith('sk-') && !reader.string()) return bad;
  } else if (type === 'ssh-rsa') {
    const e = reader.mpint();
    const n = reader.mpint();
    if (!e || !n || e.length === 0) return bad;
    const bits = bitLength(n);
    if (bits < 1024) return `the RSA key has ${bits} bits; OpenSSH refuses RSA keys under 1024 bits`;
    if (bits > 16384) return bad;
  } else if (type === 'ssh-dss') {
    for (let i = 0; i < 4; i++) if (!reader.mpint()) return bad;
  } else {
    const ecdsa = /^(sk-)?ecdsa-sha2-(nistp256|nistp384|nistp521)(@openssh\.com)?$/.exec(type);
    if (!ecdsa || (ecdsa[1] !== undefined) !== (ecdsa[3] !== undefined) || (ecdsa[1] && ecdsa[2] !== 'nistp256')) return `unknown key type ${type}`;
    if (reader.string()?.toString('latin1') !== ecdsa[2]) return bad;
    const point = reader.string();
    if (!point || !validEcPoint(CURVES[ecdsa[2]], point)) return bad;
    if (ecdsa[1] && !reader.string()) return bad;
  }
  return reader.done ? undefined : `${bad} (extra data after the key)`;
}

/** Base64 as OpenSSH's b64_pton takes it: whitespace skipped, padding required, unused bits zero. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\v\f\n]/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  const data = Buffer.from(compact, 'base64');
  return data.toString('base64') === compact ? data : undefined;
}

export const CERT_TYPE = /-cert-v01@openssh\.com$/;

/** A certificate's own public key as a plain key blob (what ssh-keygen -l fingerprints). */
export function certificatePlainKey(certType: string, blob: Buffer): Buffer | undefined {
  const plainType = certType.replace(CERT_TYPE, '');
  const fieldCount: Record<string, number> = { 'ssh-ed25519': 1, 'ssh-rsa': 2, 'ssh-dss': 4, 'sk-ssh-ed25519@openssh.com': 2, 'sk-ecdsa-sha2-nistp256@openssh.com': 3 };
  const count = fieldCount[plainType] ?? (plainType.startsWith('ecdsa-sha2-') ? 2 : undefined);
  if (count === undefined) return undefined;
  const reader = new WireReader(blob);
  if (!reader.string() || !reader.string()) return undefined; // type, nonce
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const field = reader.string();
    if (!field) return undefined;
    parts.push(field);
  }
  // RSA certificates carry e and n in that order, like the plain key.
  const wire = (b: Buffer) => Buffer.concat([Buffer.from([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
  return Buffer.concat([wire(Buffer.from(plainType, 'latin1')), ...parts.map(wire)]);
}
