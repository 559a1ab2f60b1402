// Installing the Debian packages the test services need, when they are missing.
import { spawnSync } from 'node:child_process';
import { ErrorCodes, InvalidError, UnavailableError } from '../common/errors.js';
import { onPath } from './daemon.js';

/**
 * Make sure every binary in `binaries` (name → Debian package) is on PATH. If some are
 * missing and this process runs as root, installs their packages with apt-get
 * (noninteractive; runs `apt-get update` once if the first attempt fails). Otherwise throws
 * TSB_INVALID_CONFIG naming what to install.
 * Blocks the event loop while apt-get runs (a one-off on a fresh machine).
 */
export function ensureBinaries(service: string, binaries: Record<string, string>): void {
  const missing = Object.keys(binaries).filter((b) => !onPath(b));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((b) => binaries[b] as string))];
  const command = `apt-get install -y ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new InvalidError(`${service} needs ${missing.join(', ')} on PATH; install them with \`sudo ${command}\``, {
      code: ErrorCodes.INVALID_CONFIG,
      details: { service, packages: packages.join(' ') },
    });
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', ...packages], { stdio: 'inherit', env });
  let r = install();
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = install();
  }
  const still = missing.filter((b) => !onPath(b));
  if (r.status !== 0 || still.length > 0) {
    throw new UnavailableError(`could not install packages for ${service}; run \`${command}\` by hand`, {
      details: { service, packages: packages.join(' '), exit: r.status ?? -1 },
    });
  }
}
