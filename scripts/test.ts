// `npm test`: every test, in order of speed, ending with one summary line.
// `npm test -- unit e2e` runs only the named stages.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { chromiumPath, missingChromiumMessage } from './stack/chromium.ts'
import { ensureDebianPackages } from './stack/debianPackages.ts'
import { privateNetworkCommand } from './stack/privateNetwork.ts'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name)

interface Step {
  command: string
  args: string[]
  cwd?: string
  env?: Record<string, string>
}

interface Stage {
  name: string
  steps: () => Step[]
  /** Reads the number of tests run from the output. */
  count?: (output: string) => number | undefined
}

const vitestCount = (output: string): number | undefined => {
  const match = /Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(stripAnsi(output))
  return match?.[1] === undefined ? undefined : Number(match[1])
}
const solidityCount = (output: string): number => {
  const text = stripAnsi(output)
  return [...text.matchAll(/(\d+) passing/g)].reduce((sum, m) => sum + Number(m[1]), 0)
}
const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '')
/** The failed tests with their errors (Vitest's "Failed Tests", Playwright's numbered failures), else the output's last lines: at most 8,000 characters. */
function failureExcerpt(output: string): string {
  const text = stripAnsi(output)
  const vitest = text.lastIndexOf('Failed Tests')
  const playwright = text.search(/^ {2}1\) /m)
  const start = vitest >= 0 ? vitest : playwright
  const excerpt = start >= 0 ? text.slice(start) : text.split('\n').slice(-60).join('\n')
  return excerpt.length > 8_000 ? `${excerpt.slice(0, 8_000)}\n…` : excerpt
}

const stages: Stage[] = [
  { name: 'typecheck', steps: () => [{ command: bin('tsc'), args: ['--noEmit', '-p', '.'] }] },
  {
    name: 'lint',
    steps: () => [
      { command: bin('eslint'), args: ['.', '--max-warnings', '0'] },
      // The layers of src and the absence of import cycles (.dependency-cruiser.cjs).
      { command: bin('depcruise'), args: ['src', 'test', 'bench', 'scripts', '--config', '.dependency-cruiser.cjs'] },
      // No file that nothing reaches, no package declared and unused or used and undeclared (knip.jsonc).
      { command: bin('knip'), args: ['--no-progress'] },
      { command: bin('solhint'), args: ['--max-warnings', '0', 'src/**/*.sol', 'test/**/*.sol'], cwd: path.join(root, 'contracts') }
    ]
  },
  { name: 'unit', steps: () => [{ command: bin('vitest'), args: ['run', '--project', 'unit'] }], count: vitestCount },
  {
    name: 'contracts',
    steps: () => [
      { command: bin('hardhat'), args: ['test', 'solidity', '--config', 'contracts/hardhat.config.ts'] },
      { command: bin('vitest'), args: ['run', '--project', 'contracts'] }
    ],
    count: (output) => solidityCount(output) + (vitestCount(output) ?? 0)
  },
  // In the private network namespace too: WebRTC between Node peers needs a non-loopback interface.
  {
    name: 'integration',
    steps: () => {
      ensureDebianPackages(['iproute2', 'util-linux'])
      return [privateNetworkCommand(bin('vitest'), ['run', '--project', 'integration'])]
    },
    count: vitestCount
  },
  {
    name: 'e2e',
    steps: () => {
      ensureDebianPackages(['chromium', 'iproute2', 'util-linux'])
      const chromium = chromiumPath()
      if (chromium === undefined) throw new Error(missingChromiumMessage())
      const playwright = privateNetworkCommand(bin('playwright'), ['test', '--config', 'test/e2e/playwright.config.ts'])
      return [
        { command: bin('vite'), args: ['build', '--logLevel', 'warn'] },
        { ...playwright, env: { CHROMIUM_PATH: chromium } }
      ]
    },
    count: (output) => {
      const match = /(\d+) passed/.exec(stripAnsi(output))
      return match?.[1] === undefined ? undefined : Number(match[1])
    }
  }
]

function run(step: Step): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: step.cwd ?? root,
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0', ...step.env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      process.stdout.write(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      process.stderr.write(chunk)
    })
    child.on('error', (error) => resolve({ ok: false, output: `${output}\n${error.message}` }))
    child.on('close', (code) => resolve({ ok: code === 0, output }))
  })
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((name) => !stages.some((s) => s.name === name))
  if (unknown.length > 0) {
    console.error(`npm test: unknown stage ${unknown.join(', ')}; the stages are ${stages.map((s) => s.name).join(', ')}`)
    process.exit(2)
  }
  const selected = wanted.length === 0 ? stages : stages.filter((s) => wanted.includes(s.name))
  const started = Date.now()
  const results: { name: string; ok: boolean; count: number | undefined; seconds: number; failure: string | undefined }[] = []
  for (const stage of selected) {
    console.log(`\n━━ ${stage.name} ━━`)
    const stageStart = Date.now()
    let ok = true
    let output = ''
    try {
      for (const step of stage.steps()) {
        const result = await run(step)
        output += result.output
        if (!result.ok) {
          ok = false
          break
        }
      }
    } catch (error) {
      ok = false
      console.error(error instanceof Error ? error.message : String(error))
    }
    results.push({ name: stage.name, ok, count: stage.count?.(output), seconds: (Date.now() - stageStart) / 1000, failure: ok ? undefined : failureExcerpt(output) })
  }
  // Repeated after the last stage, so that a log's tail says which tests failed and why.
  for (const r of results) if (r.failure !== undefined) console.log(`\n━━ what failed in ${r.name} ━━\n${r.failure}`)
  const total = Math.round((Date.now() - started) / 1000)
  const parts = results.map((r) => `${r.name} ${r.ok ? 'passed' : 'FAILED'}${r.count === undefined ? '' : ` (${r.count} tests)`}`)
  const failed = results.filter((r) => !r.ok)
  console.log(
    `\nnpm test: ${failed.length === 0 ? 'all passed' : `${failed.length} of ${results.length} stages FAILED`} — ${parts.join(' · ')} — ${Math.floor(total / 60)}m ${total % 60}s`
  )
  process.exit(failed.length === 0 ? 0 : 1)
}

void main()
