/** Self-signed certificates made with the openssl CLI in a temporary folder, once per process. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

const made = new Map<string, KeyPair>();

/** A self-signed certificate for `cn`, valid for 127.0.0.1 and localhost, for one day. */
export function selfSigned(cn = 'localhost'): KeyPair {
  const cached = made.get(cn);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'threadfetch-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const pair = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    made.set(cn, pair);
    return pair;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
