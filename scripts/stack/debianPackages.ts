// The Debian packages the browser tests need: installed on the spot when they are missing and
// we may (root, apt-get there), as on CI; otherwise the one command that installs them.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { chromiumPath } from './chromium.ts'

/** Each package with how to tell it is there. */
const PACKAGES = {
  // A CHROMIUM_PATH that names no file is the user's to fix (missingChromiumMessage), not apt's.
  chromium: () => chromiumPath() !== undefined || (process.env.CHROMIUM_PATH ?? '') !== '',
  iproute2: () => onPath('ip'),
  'util-linux': () => onPath('unshare')
}

export type DebianPackage = keyof typeof PACKAGES

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** Installs those of `packages` that are missing, or throws with the command that does. */
export function ensureDebianPackages(packages: DebianPackage[]): void {
  const missing = packages.filter((name) => !PACKAGES[name]())
  if (missing.length === 0) return
  const install = ['apt-get', 'install', '-y', ...missing]
  const mayInstall = process.getuid?.() === 0 && onPath('apt-get')
  if (!mayInstall) {
    throw new Error(
      [
        `The browser tests need Debian packages that are missing: ${missing.join(', ')}. Install them with:`,
        `  sudo ${install.join(' ')}`,
        ...(missing.includes('chromium') ? ['or point CHROMIUM_PATH at a Chromium or Chrome binary.'] : [])
      ].join('\n')
    )
  }
  console.log(`Installing the Debian packages the browser tests need: ${install.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`'apt-get ${args.join(' ')}' failed:\n${result.stdout}${result.stderr}`)
  }
}
