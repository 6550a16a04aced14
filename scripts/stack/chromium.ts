// Finds the Chromium the browser tests drive: CHROMIUM_PATH, else Debian's package.
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined
  return CANDIDATES.find((candidate) => existsSync(candidate))
}

export function missingChromiumMessage(): string {
  const fromEnv = process.env.CHROMIUM_PATH
  return [
    fromEnv ? `CHROMIUM_PATH is set to ${fromEnv}, but there is no file there.` : 'No Chromium found for the browser tests.',
    "Install Debian's Chromium with 'sudo apt-get install -y chromium' (it lands at /usr/bin/chromium),",
    'or point CHROMIUM_PATH at a Chromium or Chrome binary. Test tools cannot download browsers here.'
  ].join('\n')
}

/** The flags every headless Chromium of the tests and benchmarks runs with. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Host ICE candidates must carry the test network's real address, not an mDNS name.
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]
