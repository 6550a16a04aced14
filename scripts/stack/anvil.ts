// The local stack's chain: anvil, started from its npm-shipped binary (no npx wrapper
// to orphan it) in its own process group, on loopback, answering before we return.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { assertPortFree, freePort } from './ports.ts'

export const ANVIL_CHAIN_ID = 31337
/** Pinned to the contracts' `evmVersion` so gas and behaviour do not change with anvil's default. */
export const ANVIL_HARDFORK = 'prague'

export interface StartAnvilOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number
  /** Interface to listen on; loopback by default so nothing outside the machine can reach the chain. */
  host?: string
  /** Seconds between blocks; without it anvil mines one block per transaction, at once. */
  blockTime?: number
  /** How long to wait for the RPC to answer, in milliseconds. Default 15 000. */
  startTimeout?: number
}

export interface Anvil {
  rpcUrl: string
  chainId: number
  /** Stops anvil and anything it started (the whole process group); safe to call twice. */
  stop(): Promise<void>
  process: ChildProcess
}

export type AnvilErrorCode = 'BINARY_MISSING' | 'INVALID_OPTIONS' | 'START_FAILED'

export class AnvilError extends Error {
  override name = 'AnvilError'
  readonly code: AnvilErrorCode
  readonly details: string | undefined

  constructor(code: AnvilErrorCode, message: string, details?: string) {
    super(message)
    this.code = code
    this.details = details
  }
}

const PLATFORM_PACKAGES: Record<string, Record<string, string>> = {
  linux: { x64: 'linux-amd64', arm64: 'linux-arm64' },
  darwin: { x64: 'darwin-amd64', arm64: 'darwin-arm64' },
  win32: { x64: 'win32-amd64' }
}

/** The anvil binary that `@foundry-rs/anvil` installed for this platform. */
export function resolveAnvilBinary(): string {
  const suffix = PLATFORM_PACKAGES[process.platform]?.[process.arch]
  if (suffix === undefined) {
    throw new AnvilError('BINARY_MISSING', `anvil has no npm build for ${process.platform}/${process.arch}: install Foundry and put anvil on PATH`)
  }
  const packageName = `@foundry-rs/anvil-${suffix}`
  let packageDir: string
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve(`${packageName}/package.json`))
  } catch (err) {
    throw new AnvilError('BINARY_MISSING', `${packageName} is not installed: run \`npm install\` (it is an optional dependency of @foundry-rs/anvil; do not pass --omit=optional)`, String(err))
  }
  const binary = path.join(packageDir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  if (!existsSync(binary)) {
    throw new AnvilError('BINARY_MISSING', `${packageName} has no binary at ${binary}: reinstall it with \`npm install\``)
  }
  return binary
}

async function requestChainId(rpcUrl: string, signal: AbortSignal): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal
  })
  const body = (await response.json()) as { result?: unknown }
  if (typeof body.result !== 'string') throw new Error(`eth_chainId answered ${JSON.stringify(body)}`)
  return Number.parseInt(body.result, 16)
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    // A negative pid addresses the process group that `detached` gave the child.
    process.kill(-child.pid, signal)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

export async function startAnvil(options: StartAnvilOptions): Promise<Anvil> {
  const { host = '127.0.0.1', blockTime, startTimeout = 15_000 } = options
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new AnvilError('INVALID_OPTIONS', `Invalid chain port: ${String(options.port)}`)
  }
  if (blockTime !== undefined && !(Number.isFinite(blockTime) && blockTime > 0)) {
    throw new AnvilError('INVALID_OPTIONS', `Invalid block time: ${String(blockTime)} (seconds, greater than 0)`)
  }
  const binary = resolveAnvilBinary()
  const port = options.port === 0 ? await freePort(host) : options.port
  await assertPortFree(port, 'local Ethereum node', host)

  const args = ['--host', host, '--port', String(port), '--chain-id', String(ANVIL_CHAIN_ID), '--hardfork', ANVIL_HARDFORK, '--quiet']
  if (blockTime !== undefined) args.push('--block-time', String(blockTime))
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })

  // Keep the tail of stderr to explain a failed start; reading it also stops the pipe from filling.
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let spawnError: Error | undefined
  child.once('error', (err) => {
    spawnError = err
  })
  // If this process ends without calling stop(), do not leave a chain running behind it.
  const onExit = (): void => killGroup(child, 'SIGKILL')
  process.once('exit', onExit)

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit)
      killGroup(child, 'SIGTERM')
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    })()
    await stopping
  }

  const rpcUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const deadline = Date.now() + startTimeout
  let lastError: unknown
  for (;;) {
    if (spawnError !== undefined) {
      await stop()
      throw new AnvilError('START_FAILED', `Could not run anvil (${binary}): ${spawnError.message}`, spawnError.message)
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop()
      throw new AnvilError('START_FAILED', `anvil exited with ${String(child.exitCode ?? child.signalCode)} before answering on ${rpcUrl}`, stderr.trim())
    }
    try {
      const chainId = await requestChainId(rpcUrl, AbortSignal.timeout(1000))
      if (chainId !== ANVIL_CHAIN_ID) {
        await stop()
        throw new AnvilError('START_FAILED', `The node on ${rpcUrl} answered chain id ${chainId}, not ${ANVIL_CHAIN_ID}: another node took the port`)
      }
      return { rpcUrl, chainId, stop, process: child }
    } catch (err) {
      if (err instanceof AnvilError) throw err
      lastError = err
    }
    if (Date.now() > deadline) {
      await stop()
      throw new AnvilError('START_FAILED', `anvil did not answer on ${rpcUrl} within ${startTimeout} ms`, `${String(lastError)}\n${stderr}`.trim())
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8545' },
      host: { type: 'string', default: '127.0.0.1' },
      'block-time': { type: 'string' }
    }
  })
  const blockTime = values['block-time'] === undefined ? undefined : Number(values['block-time'])
  const anvil = await startAnvil({ port: Number(values.port), host: values.host, blockTime })
  console.log(anvil.rpcUrl)
  const shutdown = (): void => {
    anvil.stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof AnvilError ? `anvil: ${err.message}` : err)
    process.exit(1)
  })
}
