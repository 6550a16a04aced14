// The local stack's keeper: `npm run keeper` as a child process (its own process, as an operator
// runs it), on loopback, answering before we return. Used by the local stack and the keeper tests.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Address } from 'viem'

const root = path.resolve(import.meta.dirname, '../..')
const READY = /^keeper: ready at (\S+) as (0x[0-9a-f]{40})$/

export interface StartKeeperProcessOptions {
  /** The data folder: blocks, records, peer id and account. */
  dataDir: string
  /** The WebSockets port; 0 lets the system choose. */
  port: number
  rpcUrl: string
  /** The app's origin, as identities bind it. */
  origin: string
  contracts: { keyRegistry: Address; consentLedger: Address }
  /** --accept: anyone, list:<file> or code:<file>. Default anyone. */
  accept?: string
  /** The HTTP port for SMART Health Link manifests (0: the system chooses); none by default. */
  linksPort?: number
  /** Called with each line the keeper logs. */
  log?: (line: string) => void
  /** How long to wait for it to be ready, in ms. Default 60 s. */
  startTimeout?: number
}

/** A running keeper process. */
export interface KeeperProcess {
  /** Its WebSockets multiaddr, ending in /p2p/<peer id>. */
  multiaddr: string
  peerId: string
  /** Its process id (the keeper runs in the process spawned, not in a child of it). */
  pid: number
  /** Its wallet address (lowercase). */
  address: `0x${string}`
  dataDir: string
  port: number
  /** The base of its SMART Health Link manifest URLs, when it serves links. */
  linksUrl: string | undefined
  /** Every line it logged so far (stdout). */
  lines: string[]
  /** Waits for a logged line matching `pattern`, looking from the start of the log. */
  waitForLine(pattern: RegExp, timeout?: number): Promise<string>
  /** SIGTERM; resolves with its exit code once it has exited. */
  stop(): Promise<number | null>
  /** SIGKILL; resolves once it has exited. */
  kill(): Promise<void>
}

/** Starts `npm run keeper` (node scripts/run.mjs scripts/keeper/main.ts) with these settings, and waits until it is ready. */
export async function startKeeperProcess(options: StartKeeperProcessOptions): Promise<KeeperProcess> {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'run.mjs'), 'scripts/keeper/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ANAMNESIS_KEEPER_DATA: options.dataDir,
      ANAMNESIS_KEEPER_HOST: '127.0.0.1',
      ANAMNESIS_KEEPER_PORT: String(options.port),
      ANAMNESIS_KEEPER_RPC: options.rpcUrl,
      ANAMNESIS_KEEPER_ORIGIN: options.origin,
      ANAMNESIS_KEEPER_REGISTRY: options.contracts.keyRegistry,
      ANAMNESIS_KEEPER_LEDGER: options.contracts.consentLedger,
      ANAMNESIS_KEEPER_ACCEPT: options.accept ?? 'anyone',
      ANAMNESIS_KEEPER_LINKS_PORT: options.linksPort === undefined ? '' : String(options.linksPort),
      ANAMNESIS_KEEPER_LINKS_URL: ''
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  const errors: string[] = []
  const waiters = new Set<() => void>()
  const wakeAll = (): void => {
    for (const wake of waiters) wake()
  }
  const split = (chunk: Buffer): string[] => chunk.toString('utf8').split('\n').filter((line) => line.trim() !== '')
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of split(chunk)) {
      lines.push(line)
      options.log?.(line)
    }
    wakeAll()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    errors.push(...split(chunk))
    wakeAll()
  })
  let running = true
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running = false
      wakeAll()
      resolve(code)
    })
  )

  const waitForLine = async (pattern: RegExp, timeout = 30_000): Promise<string> => {
    const deadline = Date.now() + timeout
    for (;;) {
      const found = lines.find((line) => pattern.test(line))
      if (found !== undefined) return found
      if (!running) throw new Error(`the keeper exited before logging ${String(pattern)}:\n${[...lines, ...errors].join('\n')}`)
      if (Date.now() > deadline) throw new Error(`the keeper did not log ${String(pattern)} within ${timeout} ms:\n${[...lines, ...errors].join('\n')}`)
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          waiters.delete(wake)
          resolve()
        }
        waiters.add(wake)
        setTimeout(wake, 250)
      })
    }
  }

  let ready: string
  try {
    ready = await waitForLine(READY, options.startTimeout ?? 60_000)
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
    throw error
  }
  const [, address = '', wallet = ''] = READY.exec(ready) ?? []
  const peerId = multiaddr(address).getComponents().findLast((component) => component.name === 'p2p')?.value ?? ''
  const port = Number(/\/tcp\/(\d+)\//.exec(address)?.[1] ?? options.port)
  const linksUrl = /^keeper: serving SMART Health Links at (\S+)$/.exec(lines.find((line) => line.startsWith('keeper: serving SMART Health Links at ')) ?? '')?.[1]
  return {
    multiaddr: address,
    linksUrl,
    peerId,
    pid: child.pid ?? 0,
    address: wallet as `0x${string}`,
    dataDir: options.dataDir,
    port,
    lines,
    waitForLine,
    stop: async () => {
      if (running) child.kill('SIGTERM')
      return await exited
    },
    kill: async () => {
      if (running) child.kill('SIGKILL')
      await exited
    }
  }
}
