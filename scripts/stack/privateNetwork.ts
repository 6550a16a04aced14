// Browser tests run inside a private network namespace: loopback plus one veth pair
// with a private test address and a default route into it. Chromium offers WebRTC host
// candidates there (it never offers 127.0.0.1), and no test packet can leave the machine.
import { execFileSync } from 'node:child_process'

export const PRIVATE_NETWORK_ADDRESS = '10.233.0.1'

const SETUP = [
  'set -e',
  'ip link set lo up',
  'ip link add anamnesis0 type veth peer name anamnesis1',
  `ip addr add ${PRIVATE_NETWORK_ADDRESS}/24 dev anamnesis0`,
  'ip link set anamnesis0 up',
  'ip link set anamnesis1 up',
  'ip route add default dev anamnesis0',
  'export ANAMNESIS_PRIVATE_NETWORK=1',
  'exec "$@"'
].join('\n')

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** The command line that runs `command args` inside a fresh private network namespace. */
export function privateNetworkCommand(command: string, args: string[]): { command: string; args: string[] } {
  if (process.env.ANAMNESIS_PRIVATE_NETWORK === '1') return { command, args }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    throw new Error("The browser tests need the 'ip' command (Debian package iproute2) to set up their private network: apt-get install -y iproute2")
  }
  // Without root, a user namespace maps us to root inside it, where we may configure the new network.
  const unshare = isRoot() ? ['--net'] : ['--net', '--map-root-user']
  return { command: 'unshare', args: [...unshare, '--', 'sh', '-c', SETUP, 'sh', command, ...args] }
}
