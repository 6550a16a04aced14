// `npm run test:deep`: the long runs npm test keeps short. The contracts' Solidity fuzz tests at
// 10,000 runs each, then the property tests of the code that reads peers' bytes
// (src/**/*.property.test.ts: the sync wire, entries, identities, the sync protocol's hellos and two ends)
// at 100,000 inputs each; both read the depth from FUZZ_RUNS. Ends with one line: each part, its
// test count and how long it took. `npm run test:deep -- properties` runs only the named parts.
import { spawn } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name)

const SOLIDITY_RUNS = 10_000
const PROPERTY_RUNS = 100_000
/** One property at 100,000 inputs takes minutes on a slow machine: no test is cut off for taking long. */
const PROPERTY_TIMEOUT_MS = 2 * 60 * 60 * 1000

interface Part {
  name: string
  command: string
  args: string[]
  env: { FUZZ_RUNS: string }
  /** The number of tests run, read from the output. */
  count(output: string): number | undefined
}

const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '')

const parts: Part[] = [
  {
    name: 'solidity',
    command: bin('hardhat'),
    args: ['test', 'solidity', '--config', 'contracts/hardhat.config.ts'],
    env: { FUZZ_RUNS: String(SOLIDITY_RUNS) },
    count: (output) => [...stripAnsi(output).matchAll(/(\d+) passing/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  },
  {
    name: 'properties',
    command: bin('vitest'),
    args: ['run', '--project', 'unit', '--testTimeout', String(PROPERTY_TIMEOUT_MS), '.property.test.ts'],
    env: { FUZZ_RUNS: String(PROPERTY_RUNS) },
    count: (output) => {
      const match = /Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(stripAnsi(output))
      return match?.[1] === undefined ? undefined : Number(match[1])
    }
  }
]

function run(part: Part): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(part.command, part.args, {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0', ...part.env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    const pass = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString()
      to.write(chunk)
    }
    child.stdout.on('data', pass(process.stdout))
    child.stderr.on('data', pass(process.stderr))
    child.on('error', (error) => resolve({ ok: false, output: `${output}\n${error.message}` }))
    child.on('close', (code) => resolve({ ok: code === 0, output }))
  })
}

const duration = (seconds: number): string => `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((name) => !parts.some((part) => part.name === name))
  if (unknown.length > 0) {
    console.error(`npm run test:deep: unknown part ${unknown.join(', ')}; the parts are ${parts.map((part) => part.name).join(', ')}`)
    process.exit(2)
  }
  const results: string[] = []
  let failed = 0
  for (const part of wanted.length === 0 ? parts : parts.filter((p) => wanted.includes(p.name))) {
    console.log(`\n━━ ${part.name} (FUZZ_RUNS=${part.env.FUZZ_RUNS}) ━━`)
    const started = Date.now()
    const { ok, output } = await run(part)
    const count = part.count(output)
    if (!ok) failed += 1
    results.push(`${part.name} ${ok ? 'passed' : 'FAILED'}${count === undefined ? '' : ` (${count} tests)`} in ${duration((Date.now() - started) / 1000)}`)
  }
  console.log(`\nnpm run test:deep: ${failed === 0 ? 'all passed' : `${failed} FAILED`} — ${results.join(' · ')}`)
  process.exit(failed === 0 ? 0 : 1)
}

void main()
