// KeyRegistry on a live anvil, driven the way the app drives it (viem, the generated ABI and
// src/chain's functions): publication, replacement under the next version, events, refusals by
// custom error name, and the ABI module being current.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  getContractAddress,
  http,
  parseEventLogs,
  type Address,
  type Hex,
  type PublicClient
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { ABI_MODULE_PATH, CONTRACT_NAMES, artifactPath, buildContracts, renderAbiModule } from '../../scripts/abi.ts'
import { startAnvil, type Anvil } from '../../scripts/stack/anvil.ts'
import { deployContracts } from '../../scripts/stack/deploy.ts'
import { keyRegistryAbi } from '../../src/chain/abi.generated.ts'
import { createChainClient } from '../../src/chain/client.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'
import { publishEncryptionKey } from '../../src/chain/publishEncryptionKey.ts'
import { readEncryptionKey } from '../../src/chain/readEncryptionKey.ts'
import { readSealedKeepers, writeSealedKeepers } from '../../src/chain/sealedKeepers.ts'
import { openKeeperList, sealKeeperList } from '../../src/crypto/keeperList.ts'
import { x25519 } from '@noble/curves/ed25519.js'

const ZERO_KEY: Hex = `0x${'00'.repeat(32)}`
const PATIENT_KEY: Hex = `0x${'11'.repeat(32)}`
const PATIENT_NEW_KEY: Hex = `0x${'22'.repeat(32)}`

function account(label: string): (typeof developmentAccounts)[number] {
  const found = developmentAccounts.find((a) => a.label === label)
  if (found === undefined) throw new Error(`no development account labelled ${label}`)
  return found
}

/** The custom error name a rejected contract call carries, as the app reads it. */
async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    if (!(err instanceof BaseError)) throw err
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName
    throw err
  }
  throw new Error('expected the call to revert')
}

let anvil: Anvil | undefined
let rpcUrl: string
let publicClient: PublicClient
let registry: Address

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 })
  rpcUrl = anvil.rpcUrl
  publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl, { retryCount: 0 }) })
  ;({ keyRegistry: registry } = await deployContracts({ rpcUrl, privateKey: deployerAccount.privateKey }))
})

afterAll(async () => {
  await anvil?.stop()
})

function walletOf(label: string) {
  return createWalletClient({
    account: privateKeyToAccount(account(label).privateKey),
    chain: foundry,
    transport: http(rpcUrl, { retryCount: 0 })
  })
}

async function publish(label: string, key: Hex, version: number) {
  const wallet = walletOf(label)
  const { request } = await publicClient.simulateContract({
    account: wallet.account,
    address: registry,
    abi: keyRegistryAbi,
    functionName: 'publishKey',
    args: [key, version]
  })
  const hash = await wallet.writeContract(request)
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
  expect(receipt.status).toBe('success')
  return receipt
}

async function keyOf(user: Address): Promise<readonly [Hex, number]> {
  return await publicClient.readContract({ address: registry, abi: keyRegistryAbi, functionName: 'keyOf', args: [user] })
}

describe('KeyRegistry on anvil', () => {
  it('is deployed by the dedicated deployer at the address its first nonce gives', async () => {
    expect(registry).toBe(getContractAddress({ from: deployerAccount.address, nonce: 0n }))
    expect(await publicClient.getCode({ address: registry })).toMatch(/^0x[0-9a-f]{2,}$/)
  })

  it('reads zero and version 0 for a user who never published a key', async () => {
    expect(await keyOf(account('Guardian').address)).toEqual([ZERO_KEY, 0])
  })

  it("publishes the patient's first key as version 1, readable by the doctor, with an event that says so", async () => {
    const patient = account('Patient').address
    const receipt = await publish('Patient', PATIENT_KEY, 1)

    const events = parseEventLogs({ abi: keyRegistryAbi, logs: receipt.logs, eventName: 'KeyPublished' })
    expect(events).toHaveLength(1)
    expect(events[0]?.address).toBe(registry.toLowerCase())
    expect(events[0]?.args).toEqual({ user: patient, key: PATIENT_KEY, version: 1 })

    const doctorReads = await publicClient.readContract({
      account: account('Doctor').address,
      address: registry,
      abi: keyRegistryAbi,
      functionName: 'keyOf',
      args: [patient]
    })
    expect(doctorReads).toEqual([PATIENT_KEY, 1])
  })

  it('replaces the key under the next version and says so in the event', async () => {
    const patient = account('Patient').address
    const receipt = await publish('Patient', PATIENT_NEW_KEY, 2)

    const [event] = parseEventLogs({ abi: keyRegistryAbi, logs: receipt.logs, eventName: 'KeyPublished' })
    expect(event?.args).toEqual({ user: patient, key: PATIENT_NEW_KEY, version: 2 })
    expect(await keyOf(patient)).toEqual([PATIENT_NEW_KEY, 2])
  })

  it("lets a reader find one user's key history by the indexed user topic", async () => {
    await publish('Doctor', `0x${'33'.repeat(32)}`, 1)
    const events = await publicClient.getContractEvents({
      address: registry,
      abi: keyRegistryAbi,
      eventName: 'KeyPublished',
      args: { user: account('Patient').address },
      fromBlock: 0n
    })
    expect(events.map((e) => [e.args.key, e.args.version])).toEqual([
      [PATIENT_KEY, 1],
      [PATIENT_NEW_KEY, 2]
    ])
  })

  it('refuses the zero key with the ZeroKey error', async () => {
    expect(await revertName(publish('Patient', ZERO_KEY, 3))).toBe('ZeroKey')
    expect(await keyOf(account('Patient').address)).toEqual([PATIENT_NEW_KEY, 2])
  })

  it('refuses republishing the current key with the KeyUnchanged error', async () => {
    expect(await revertName(publish('Patient', PATIENT_NEW_KEY, 3))).toBe('KeyUnchanged')
  })

  it('refuses a version that is not the next one with the WrongVersion error, naming the one expected', async () => {
    // A second device that replaced at the same time names the version the first one took.
    const wallet = walletOf('Patient')
    try {
      await publicClient.simulateContract({ account: wallet.account, address: registry, abi: keyRegistryAbi, functionName: 'publishKey', args: [`0x${'44'.repeat(32)}`, 2] })
      throw new Error('expected the call to revert')
    } catch (err) {
      const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
      expect(reverted instanceof ContractFunctionRevertedError ? reverted.data : undefined).toMatchObject({ errorName: 'WrongVersion', args: [3] })
    }
    expect(await keyOf(account('Patient').address)).toEqual([PATIENT_NEW_KEY, 2])
  })

  it('reports the custom error name from a sent (not simulated) transaction too', async () => {
    // A wallet that skips simulation gets the revert at gas estimation.
    const wallet = walletOf('Patient')
    const sent = wallet.writeContract({ address: registry, abi: keyRegistryAbi, functionName: 'publishKey', args: [ZERO_KEY, 3] })
    expect(await revertName(sent)).toBe('ZeroKey')
  })
})

describe("src/chain's key registry functions on anvil", () => {
  it('read a key with its version, publish the next version, and refuse a stale one with a sentence', async () => {
    const client = createChainClient({ id: foundry.id, name: 'anvil', rpcUrl })
    const guardian = account('Guardian')
    expect(await readEncryptionKey(client, { registry, user: guardian.address })).toBeNull()
    const first = new Uint8Array(32).fill(0x51)
    const second = new Uint8Array(32).fill(0x52)
    await publishEncryptionKey(client, walletOf('Guardian'), { registry, publicKey: first, version: 1 })
    expect(await readEncryptionKey(client, { registry, user: guardian.address.toLowerCase() })).toEqual({ key: `0x${'51'.repeat(32)}`, version: 1 })
    await publishEncryptionKey(client, walletOf('Guardian'), { registry, publicKey: second, version: 2 })
    expect(await readEncryptionKey(client, { registry, user: guardian.address })).toEqual({ key: `0x${'52'.repeat(32)}`, version: 2 })
    await expect(publishEncryptionKey(client, walletOf('Guardian'), { registry, publicKey: first, version: 2 })).rejects.toMatchObject({
      code: 'CONTRACT_REVERTED',
      details: 'WrongVersion',
      message: expect.stringMatching(/^Your keys were replaced meanwhile/) as unknown
    })
    await expect(publishEncryptionKey(client, walletOf('Guardian'), { registry, publicKey: first, version: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
  })
})

describe('the sealed keeper list on anvil, through src/chain', () => {
  it('is left by the patient, read back by a new device that opens it with the patient\'s key, opaque to anyone else, and cleared', async () => {
    const client = createChainClient({ id: foundry.id, name: 'anvil', rpcUrl })
    const patient = account('Patient')
    const own = x25519.keygen()
    const keepers = [{ address: '/ip4/127.0.0.1/tcp/4004/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xa', keeper: `0x${'ab'.repeat(20)}` as const }]
    expect(await readSealedKeepers(client, { registry, user: patient.address })).toBeUndefined()

    const sealed = sealKeeperList(keepers, own.publicKey, 1)
    const { blockNumber } = await writeSealedKeepers(client, walletOf('Patient'), { registry, sealed })
    const onChain = await readSealedKeepers(client, { registry, user: patient.address.toLowerCase() })
    expect(onChain).toEqual(sealed)
    expect(openKeeperList(onChain ?? new Uint8Array(0), own.secretKey)).toEqual(keepers)
    // What the chain shows anyone: the account that changed its list, and bytes that name no keeper.
    const logs = parseEventLogs({ abi: keyRegistryAbi, logs: await publicClient.getLogs({ address: registry, fromBlock: blockNumber, toBlock: blockNumber }) })
    expect(logs.map((log) => log.eventName)).toEqual(['KeepersSealed'])
    expect(new TextDecoder('latin1').decode(onChain)).not.toContain('127.0.0.1')
    // A later list replaces it.
    const next = sealKeeperList([], own.publicKey, 1)
    await writeSealedKeepers(client, walletOf('Patient'), { registry, sealed: next })
    expect(await readSealedKeepers(client, { registry, user: patient.address })).toEqual(next)

    await writeSealedKeepers(client, walletOf('Patient'), { registry, sealed: new Uint8Array(0) })
    expect(await readSealedKeepers(client, { registry, user: patient.address })).toBeUndefined()
    await expect(writeSealedKeepers(client, walletOf('Patient'), { registry, sealed: new Uint8Array(1025) })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(readSealedKeepers(client, { registry, user: 'not an address' })).rejects.toMatchObject({ code: 'INVALID_ADDRESS' })
  })

  it('refuses a list longer than the registry keeps, when sent past the app\'s own check, and leaves the list as it was', async () => {
    const doctor = walletOf('Doctor')
    const tooLong = publicClient.simulateContract({ account: doctor.account, address: registry, abi: keyRegistryAbi, functionName: 'sealKeepers', args: [`0x${'00'.repeat(1025)}`] })
    expect(await revertName(tooLong)).toBe('SealedKeepersTooLong')
    expect(await readSealedKeepers(createChainClient({ id: foundry.id, name: 'anvil', rpcUrl }), { registry, user: account('Doctor').address })).toBeUndefined()
  })
})

describe('src/chain/abi.generated.ts', () => {
  it('matches the compiled contracts (run `node scripts/abi.ts` after changing contracts/src)', async () => {
    if (!CONTRACT_NAMES.every((name) => existsSync(artifactPath(name)))) buildContracts()
    const committed = await readFile(ABI_MODULE_PATH, 'utf8')
    expect(committed === (await renderAbiModule()), 'src/chain/abi.generated.ts is stale: run `node scripts/abi.ts`').toBe(true)
  })
})
