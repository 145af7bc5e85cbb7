/**
 * The admin token: every change through the API needs it. Taken from the
 * config (RIM_ADMIN_TOKEN) when set; otherwise generated once and kept in the
 * data dir, readable by its owner only (mode 0600). It is never logged:
 * `rim token` reads it from the file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminToken {
  token: string;
  /** true only on the start that generated it. */
  generated: boolean;
  source: 'config' | 'file' | 'generated';
  /** The data dir's file that keeps it; unset when the config gives it. */
  file?: string;
}

/** The token file of a data dir. */
export const adminTokenFile = (dataDir: string): string => join(dataDir, ADMIN_TOKEN_FILE);

export async function loadAdminToken(dataDir: string, configured?: string): Promise<AdminToken> {
  if (configured) return { token: configured, generated: false, source: 'config' };
  const file = adminTokenFile(dataDir);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length >= 16) return { token, generated: false, source: 'file', file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // the mode above is masked by umask; this is not.
  return { token, generated: true, source: 'generated', file };
}
