// Debian packages fetched by scripts/fetch-debian.sh (CI runs it): real binaries run under Serval.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export function debianFile(pkg: string, path: string): string | undefined {
  const p = join(ROOT, '.cache', 'debian', pkg, path);
  if (existsSync(p)) return p;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(`${pkg} is required (run scripts/fetch-debian.sh; CI does)`);
  console.warn(`skipping: ${pkg} is not downloaded (run scripts/fetch-debian.sh)`);
  return undefined;
}
