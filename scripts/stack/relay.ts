// The local stack's libp2p circuit relay: browsers reach it over WebSockets,
// reserve a slot, and use it only to signal WebRTC; the records flow directly.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'

export interface StartRelayOptions {
  port: number
  /** Interface to listen on; loopback by default so nothing outside the machine can use it. */
  host?: string
  /** Where the relay's private key lives (protobuf-encoded); created on first start. Default `.stack/relay.key`. */
  keyFile?: string
  /** How many peers may hold a reservation at once. Default 128. */
  maxReservations?: number
}

export interface Relay {
  /** The relay's dialable address, `/ip4/<host>/tcp/<port>/ws/p2p/<peer id>`. */
  multiaddr: string
  peerId: string
  stop(): Promise<void>
}

export type RelayErrorCode = 'PORT_IN_USE' | 'INVALID_OPTIONS' | 'INVALID_KEY_FILE' | 'START_FAILED'

export class RelayError extends Error {
  override name = 'RelayError'
  readonly code: RelayErrorCode
  readonly details: string | undefined

  constructor(code: RelayErrorCode, message: string, details?: string) {
    super(message)
    this.code = code
    this.details = details
  }
}

/** Beside the repository's other local-stack state, wherever the command is run from. */
export const DEFAULT_KEY_FILE = resolve(import.meta.dirname, '../../.stack/relay.key')

export async function startRelay(options: StartRelayOptions): Promise<Relay> {
  const { port, host = '127.0.0.1', maxReservations = 128 } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RelayError('INVALID_OPTIONS', `Invalid relay port: ${String(port)}`)
  }
  const keyFile = resolve(options.keyFile ?? DEFAULT_KEY_FILE)
  const privateKey = await loadOrCreateKey(keyFile)
  const family = host.includes(':') ? 'ip6' : 'ip4'

  let node
  try {
    node = await createLibp2p({
      privateKey,
      addresses: { listen: [`/${family}/${host}/tcp/${port}/ws`] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: {
        // Every local peer connects from the same loopback host; the default
        // (5 per second per host) refuses a test that starts several at once.
        inboundConnectionThreshold: 100,
        maxIncomingPendingConnections: 100
      },
      services: {
        identify: identify(),
        // Default limits stay on (2 min, 128 KiB per relayed connection): the
        // relay carries signalling and reservations, never the records.
        relay: circuitRelayServer({
          reservations: { maxReservations }
        })
      }
    })
  } catch (err) {
    throw toRelayError(err, host, port)
  }

  const addr = node.getMultiaddrs()[0]
  if (addr == null) {
    await node.stop()
    throw new RelayError('START_FAILED', `The relay started but has no listening address on ${host}:${port}`)
  }
  return {
    multiaddr: addr.toString(),
    peerId: node.peerId.toString(),
    stop: async () => { await node.stop() }
  }
}

async function loadOrCreateKey(keyFile: string): Promise<PrivateKey> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(keyFile)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RelayError('INVALID_KEY_FILE', `Cannot read the relay key file ${keyFile}`, String(err))
    }
    const key = await generateKeyPair('Ed25519')
    await mkdir(dirname(keyFile), { recursive: true })
    await writeFile(keyFile, privateKeyToProtobuf(key), { mode: 0o600 })
    return key
  }
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new RelayError('INVALID_KEY_FILE', `The relay key file ${keyFile} is not a protobuf-encoded libp2p private key; delete it to create a new one (the relay address will change)`, String(err))
  }
}

function toRelayError(err: unknown, host: string, port: number): RelayError {
  const text = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err)
  if (text.includes('EADDRINUSE')) {
    return new RelayError('PORT_IN_USE', `Port ${port} is already in use: stop the program using it or start the relay with another --port`, text)
  }
  return new RelayError('START_FAILED', `The relay could not listen on ${host}:${port}: ${text}`, text)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9090' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string', default: DEFAULT_KEY_FILE }
    }
  })
  const relay = await startRelay({ port: Number(values.port), host: values.host, keyFile: values.key })
  console.log(relay.multiaddr)
  const shutdown = (): void => {
    relay.stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof RelayError ? `relay: ${err.message}` : err)
    process.exit(1)
  })
}
