// Deployment settings are read at run time from config.json beside index.html,
// so one static build serves any chain, contract deployment and relay set.
import { isAddress, isHex, type Address, type Hex } from 'viem'
import { AnamnesisError, type AnamnesisErrorOptions } from '../errors/index.ts'

export { sharedGatewayPath } from './sharedGatewayPath.ts'

/**
 * A funded test account of the local chain for the development wallet. Only the local stack's
 * config.json names them, so their well-known private keys are never part of the build.
 */
export interface DevelopmentAccountSetting {
  /** The role the account plays in local development: "Patient", "Doctor", … */
  label: string
  address: Address
  privateKey: Hex
}

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
  /**
   * Keepers the app offers a patient to enrol (each a WebSockets multiaddr ending in /p2p/<peer id>,
   * wss:// in production); the first is the default. Absent: none is offered.
   */
  keepers?: string[]
  /**
   * The host serves this deployment alone, so its /ipfs/ and /ipns/ paths are the app's own origin.
   * Without it, a page under such a path is taken for a shared path gateway, where the app opens no keys.
   */
  dedicatedGateway?: boolean
  /** The development wallet's accounts: the local chain (31337) only, written by the local stack. */
  developmentAccounts?: DevelopmentAccountSetting[]
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

  const keepers = input.keepers
  if (keepers !== undefined && (!Array.isArray(keepers) || !keepers.every((k): k is string => typeof k === 'string' && k.startsWith('/') && /\/p2p\/[^/]+$/.test(k)))) {
    fail('keepers', 'must be a list of multiaddrs ending in the keeper\'s peer id, such as /dns4/keeper.example/tcp/443/wss/p2p/12D3Koo…')
  }

  const dedicatedGateway = input.dedicatedGateway
  if (dedicatedGateway !== undefined && typeof dedicatedGateway !== 'boolean') fail('dedicatedGateway', 'must be true or false')
  const developmentAccounts = input.developmentAccounts === undefined ? undefined : parseDevelopmentAccounts(input.developmentAccounts, id)

  return {
    chain: { id, name, rpcUrl, ...(explorer === undefined ? {} : { explorer }) },
    contracts: { keyRegistry, consentLedger, ...(deploymentBlock === undefined ? {} : { deploymentBlock }) },
    relays,
    iceServers: iceServers as RTCIceServer[],
    ...(keepers === undefined ? {} : { keepers }),
    ...(dedicatedGateway === undefined ? {} : { dedicatedGateway }),
    ...(developmentAccounts === undefined ? {} : { developmentAccounts })
  }
}

// Private keys in a config.json are public test keys by definition: anywhere but the local chain
// they would be a real account's keys served to every visitor, so such a config is refused.
function parseDevelopmentAccounts(value: unknown, chainId: number): DevelopmentAccountSetting[] {
  if (chainId !== LOCAL_CHAIN_ID) fail('developmentAccounts', `are for the local chain (${LOCAL_CHAIN_ID}) only: remove them from this deployment's config`)
  if (!Array.isArray(value)) fail('developmentAccounts', 'must be a list of { label, address, privateKey }')
  return value.map((account: unknown, i) => {
    const field = `developmentAccounts[${i}]`
    if (!isRecord(account)) fail(field, 'must be an object { label, address, privateKey }')
    const { label, address, privateKey } = account
    if (typeof label !== 'string' || label.trim() === '') fail(`${field}.label`, 'must name the account')
    if (typeof address !== 'string' || !isAddress(address)) fail(`${field}.address`, 'must be an address (0x followed by 40 hex digits)')
    if (typeof privateKey !== 'string' || !isHex(privateKey, { strict: true }) || privateKey.length !== 66) fail(`${field}.privateKey`, 'must be a private key (0x followed by 64 hex digits)')
    return { label, address, privateKey }
  })
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
