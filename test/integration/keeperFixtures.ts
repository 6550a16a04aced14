// What the keeper integration tests share: a real local chain with the contracts deployed, a
// keeper process started as `npm run keeper` starts it, grants sent as the patient's wallet sends
// them, and the keeper protocol spoken by hand for the attacks the client would never make.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil } from '../../scripts/stack/anvil.ts'
import { deployContracts } from '../../scripts/stack/deploy.ts'
import { startKeeperProcess, type KeeperProcess } from '../../scripts/stack/keeper.ts'
import { freePort } from '../../scripts/stack/ports.ts'
import { createChainClient, grant, publishEncryptionKey, readEncryptionKey, recordCategories, revoke, type ChainClient } from '../../src/chain/index.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'
import { KEEPER_PROTOCOL } from '../../src/keeper/index.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { signingDomain, type SigningDomain } from '../../src/crypto/index.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../support/walletSignatures.ts'
import type { P2PNode } from '../../src/p2p/index.ts'
import type { Person } from './historyFixtures.ts'
import type { Address } from 'viem'

/** The local chain with the contracts deployed, and a client that reads it. */
export interface TestChain {
  rpcUrl: string
  /** The app's origin (the tests') and this deployment: what identities are bound to. */
  domain: SigningDomain
  contracts: { keyRegistry: Address; consentLedger: Address }
  client: ChainClient
  stop(): Promise<void>
}

/** anvil on a free loopback port, with the key registry and consent ledger deployed. */
export async function startChain(): Promise<TestChain> {
  const anvil = await startAnvil({ port: 0 })
  try {
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const domain = signingDomain({ origin: TEST_DOMAIN.origin, chainId: anvil.chainId, verifyingContract: contracts.keyRegistry })
    return { rpcUrl: anvil.rpcUrl, domain, contracts, client: createChainClient({ id: anvil.chainId, name: 'anvil', rpcUrl: anvil.rpcUrl }), stop: () => anvil.stop() }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}

/** A development account as a person, with an identity bound for the chain's deployment. */
export async function personOn(chain: TestChain, label: string): Promise<Person> {
  const dev = developmentAccounts.find((account) => account.label === label)
  if (dev === undefined) throw new Error(`no development account labelled ${label}`)
  const { address, keys, binding, identity } = await walletIdentityOf(privateKeyToAccount(dev.privateKey), chain.domain)
  return { label, address, keys, binding, identity }
}

function walletOf(chain: TestChain, person: Person) {
  const account = developmentAccounts.find((dev) => dev.address.toLowerCase() === person.address)
  if (account === undefined) throw new Error(`${person.label} is no development account`)
  return createWalletClient({ account: privateKeyToAccount(account.privateKey), chain: foundry, transport: http(chain.rpcUrl) })
}

/** The patient grants the doctor access (all categories, write when asked) for a day; the doctor's key is registered first. */
export async function grantAccess(chain: TestChain, patient: Person, doctor: Person, { mayWrite = false } = {}): Promise<void> {
  const registered = await readEncryptionKey(chain.client, { registry: chain.contracts.keyRegistry, user: doctor.address })
  if (registered === null) await publishEncryptionKey(chain.client, walletOf(chain, doctor), { registry: chain.contracts.keyRegistry, publicKey: doctor.keys.encryption.publicKey, version: 1 })
  await grant(chain.client, walletOf(chain, patient), {
    ledger: chain.contracts.consentLedger,
    registry: chain.contracts.keyRegistry,
    doctor: doctor.address,
    expiry: new Date(Date.now() + 24 * 3600 * 1000),
    scope: { categories: [...recordCategories], mayWrite }
  })
}

/** The patient revokes the doctor's grant. */
export async function revokeAccess(chain: TestChain, patient: Person, doctor: Person): Promise<void> {
  await revoke(chain.client, walletOf(chain, patient), { ledger: chain.contracts.consentLedger, doctor: doctor.address })
}

export type { KeeperProcess }

export interface KeeperOptions {
  chain: TestChain
  /** The data folder; a fresh temporary one by default. */
  dataDir?: string
  /** The WebSockets port; a free one by default. */
  port?: number
  /** The --accept policy; `list` and `code` are written to a file beside the data folder. */
  accept?: 'anyone' | { list: string[] } | { codes: string[] }
  /** Serve SMART Health Link manifests over HTTP on a free loopback port. */
  links?: boolean
}

/** A temporary folder, deleted with the test's cleanups. */
export async function tempDir(cleanups: (() => Promise<void>)[], prefix = 'anamnesis-keeper-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Starts a keeper process as `npm run keeper` does, killed with the test's cleanups. */
export async function spawnKeeper(cleanups: (() => Promise<void>)[], options: KeeperOptions): Promise<KeeperProcess> {
  const dataDir = options.dataDir ?? (await tempDir(cleanups))
  let accept = 'anyone'
  if (options.accept !== undefined && options.accept !== 'anyone') {
    const file = path.join(path.dirname(dataDir), `${path.basename(dataDir)}-accept.txt`)
    const list = 'list' in options.accept ? options.accept.list : options.accept.codes
    await writeFile(file, `# the operator's list\n${list.join('\n')}\n`)
    cleanups.push(() => rm(file, { force: true }))
    accept = `${'list' in options.accept ? 'list' : 'code'}:${file}`
  }
  const keeper = await startKeeperProcess({
    dataDir,
    port: options.port ?? (await freePort()),
    ...(options.links === true ? { linksPort: 0 } : {}),
    rpcUrl: options.chain.rpcUrl,
    origin: options.chain.domain.origin,
    contracts: options.chain.contracts,
    accept
  })
  cleanups.push(() => keeper.kill())
  return keeper
}

/** Speaks the keeper protocol by hand: hello, then `request` as it is; returns the keeper's identity block and answer. */
export async function rawKeeperRequest(node: P2PNode, keeper: string, request: Record<string, unknown>): Promise<{ identity: unknown; answer: unknown }> {
  const signal = AbortSignal.timeout(15_000)
  const stream = await node.libp2p.dialProtocol(multiaddr(keeper), KEEPER_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  await sendMessage(stream, { t: 'hello' }, signal)
  const hello = (await reader.next(signal)) as { identity?: unknown }
  await sendMessage(stream, request, signal)
  const answer = await reader.next(signal)
  await stream.close().catch(() => undefined)
  return { identity: hello.identity, answer }
}

/** Dials the keeper directly from `node` (its WebSockets address): the keeper and the node's open logs start to sync. */
export async function connectTo(node: P2PNode, keeper: { multiaddr: string }): Promise<void> {
  await node.libp2p.dial(multiaddr(keeper.multiaddr), { signal: AbortSignal.timeout(10_000) })
}

/** A canSync that admits the keeper's wallet, as the app's does for the patient's enrolled keepers (and `others`). */
export function keeperAdmitted(keeper: { address: string }, ...others: { address: string }[]) {
  return (wallet: string): Promise<boolean> => Promise.resolve([keeper, ...others].some((who) => who.address.toLowerCase() === wallet.toLowerCase()))
}
