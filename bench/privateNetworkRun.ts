// Runs a benchmark script inside a fresh private network namespace (scripts/stack/privateNetwork.ts)
// and reads the figures it prints on one line that starts with `marker`.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { privateNetworkCommand } from '../scripts/stack/privateNetwork.ts'
import type { Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')

export async function figuresFromPrivateNetwork(script: string, args: readonly string[], marker: string, what: string): Promise<Figures> {
  const { command, args: commandArgs } = privateNetworkCommand(process.execPath, [path.join(root, 'bench', script), ...args])
  return await new Promise<Figures>((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith(marker))
      if (code !== 0 || line === undefined) reject(new Error(`the ${what} failed (exit ${String(code)})`))
      else resolve(JSON.parse(line.slice(marker.length)) as Figures)
    })
  })
}

/**
 * The private network's UDP counters (Linux's /proc/net/snmp): datagrams received, and those dropped
 * because a socket's receive buffer was full. WebRTC's data channels run over UDP: on a busy
 * two-core machine the browser does not always drain its socket in time, and SCTP waits out a
 * retransmission timeout for what was dropped (a pull that stalls for most of a second). Undefined
 * where there are no such counters.
 */
export function udpCounters(): { received: number; dropped: number } | undefined {
  try {
    const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Udp:'))
      .map((line) => line.split(/\s+/).slice(1))
    const field = (name: string): number => Number(values?.[names?.indexOf(name) ?? -1])
    const counters = { received: field('InDatagrams'), dropped: field('RcvbufErrors') }
    return Number.isFinite(counters.received) && Number.isFinite(counters.dropped) ? counters : undefined
  } catch {
    return undefined
  }
}
