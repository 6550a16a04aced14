// Runs a benchmark script inside a fresh private network namespace (scripts/stack/privateNetwork.ts)
// and reads the figures it prints on one line that starts with `marker`.
import { spawn } from 'node:child_process'
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
