// Deployment settings are read at run time from config.json beside index.html,
// so one static build serves any chain, contract deployment and relay set.
import { isAddress, type Address } from 'viem'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'

export interface AppConfig {
  chain: {
    id: number
    name: string
    rpcUrl: string
    /** Block explorer base URL, e.g. https://etherscan.io; transactions link to `${explorer}/tx/<hash>`. */
    explorer?: string
  }
  contracts: {
    keyRegistry: Address
    /** Consent and audit: grants, guardians, break-glass, visits and anchors. */
    consentLedger: Address
    /** The block the contracts were deployed in: log scans for the audit trail start there. Default 0. */
    deploymentBlock?: number
  }
  /** Multiaddrs of the libp2p circuit relays the browser reserves a slot on. */
  relays: string[]
  /** STUN/TURN servers for WebRTC; empty on the local stack. */
  iceServers: RTCIceServer[]
}

export class ConfigError extends AnamnesisError<'CONFIG_INVALID'> {
  override name = 'ConfigError'
  constructor(message: string, options?: AnamnesisErrorOptions) {
    super('CONFIG_INVALID', message, options)
  }
}

/** The chain id of the local development node (anvil); the development wallet exists only there. */
export const LOCAL_CHAIN_ID = 31337

function fail(field: string, what: string): never {
  throw new ConfigError(`config.json: ${field} ${what}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, 'must be a URL')
  try {
    const url = new URL(value)
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) fail(field, 'must be an http(s) or ws(s) URL')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    fail(field, `is not a valid URL: ${value}`)
  }
  return value
}

function parseContractAddress(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value)) fail(field, 'must be a contract address (0x followed by 40 hex digits)')
  return value
}

/** Checks a parsed config.json and returns it typed; throws ConfigError naming the field that is wrong. */
export function parseConfig(input: unknown): AppConfig {
  if (!isRecord(input)) fail('the file', 'must hold a JSON object')
  const chain = input.chain
  if (!isRecord(chain)) fail('chain', 'is missing')
  const id = chain.id
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) fail('chain.id', 'must be a positive integer')
  const name = typeof chain.name === 'string' && chain.name.trim() !== '' ? chain.name : `Chain ${id}`
  const rpcUrl = parseUrl(chain.rpcUrl, 'chain.rpcUrl')
  const explorer = chain.explorer === undefined || chain.explorer === null ? undefined : parseUrl(chain.explorer, 'chain.explorer')

  const contracts = input.contracts
  if (!isRecord(contracts)) fail('contracts', 'is missing')
  const keyRegistry = parseContractAddress(contracts.keyRegistry, 'contracts.keyRegistry')
  const consentLedger = parseContractAddress(contracts.consentLedger, 'contracts.consentLedger')
  if (keyRegistry.toLowerCase() === consentLedger.toLowerCase()) fail('contracts.consentLedger', 'must differ from contracts.keyRegistry: they are two contracts')
  const deploymentBlock = contracts.deploymentBlock
  if (deploymentBlock !== undefined && (typeof deploymentBlock !== 'number' || !Number.isSafeInteger(deploymentBlock) || deploymentBlock < 0)) {
    fail('contracts.deploymentBlock', 'must be a block number (a whole number, 0 or more)')
  }

  const relays = input.relays ?? []
  if (!Array.isArray(relays) || !relays.every((r): r is string => typeof r === 'string' && r.startsWith('/'))) {
    fail('relays', 'must be a list of multiaddrs such as /ip4/127.0.0.1/tcp/9090/ws/p2p/12D3Koo…')
  }
  const iceServers = input.iceServers ?? []
  if (!Array.isArray(iceServers) || !iceServers.every((s) => isRecord(s) && (typeof s.urls === 'string' || Array.isArray(s.urls)))) {
    fail('iceServers', 'must be a list of { urls } objects')
  }

  return {
    chain: { id, name, rpcUrl, ...(explorer === undefined ? {} : { explorer }) },
    contracts: { keyRegistry, consentLedger, ...(deploymentBlock === undefined ? {} : { deploymentBlock }) },
    relays,
    iceServers: iceServers as RTCIceServer[]
  }
}

/** Fetches config.json relative to the page, so it works under any sub-path. */
export async function loadConfig(url = './config.json'): Promise<AppConfig> {
  let response: Response
  try {
    response = await fetch(url, { cache: 'no-store' })
  } catch {
    throw new ConfigError(`config.json could not be fetched from ${new URL(url, location.href).href}`)
  }
  if (!response.ok) throw new ConfigError(`config.json is missing beside index.html (HTTP ${response.status}); the deployment must provide one`)
  let json: unknown
  try {
    json = await response.json()
  } catch {
    throw new ConfigError('config.json is not valid JSON')
  }
  return parseConfig(json)
}
