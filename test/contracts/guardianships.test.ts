// A guardian's view of the ledger on a live anvil: the patients who named them (and no longer
// those who removed them), and a patient's guardians and their removals read with the grants,
// as the patient's app chooses the readers of its key drops from them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Address, WalletClient } from 'viem'
import { startAnvil, type Anvil } from '../../scripts/stack/anvil.ts'
import { deployContracts } from '../../scripts/stack/deploy.ts'
import { chainFromSettings, createChainClient } from '../../src/chain/client.ts'
import { deployerAccount, developmentAccounts } from '../../src/chain/devAccounts.ts'
import { addGuardian, ChainError, emergencyGrant, publishEncryptionKey, readAccess, readWards, removeGuardian, type ChainClient } from '../../src/chain/index.ts'
import { connectDevelopmentWallet } from '../../src/chain/wallets.ts'
import { LOCAL_CHAIN_ID } from '../../src/config/index.ts'
import { EMERGENCY_CATEGORIES } from '../../src/history/index.ts'

let anvil: Anvil | undefined
let client: ChainClient
let ledger: Address
let registry: Address
const roles = ['patient', 'secondPatient', 'guardian', 'doctor', 'stranger'] as const
const wallets = {} as Record<(typeof roles)[number], WalletClient>
const addresses = {} as Record<(typeof roles)[number], Address>

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 })
  ;({ keyRegistry: registry, consentLedger: ledger } = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey }))
  const settings = { id: anvil.chainId, name: 'Local chain (anvil)', rpcUrl: anvil.rpcUrl }
  client = createChainClient(settings)
  for (const [i, role] of roles.entries()) {
    const account = developmentAccounts[i + 1]
    if (account === undefined) throw new Error('not enough development accounts')
    const wallet = await connectDevelopmentWallet(account, chainFromSettings(settings), LOCAL_CHAIN_ID)
    wallets[role] = wallet.client
    addresses[role] = wallet.address
  }
  await publishEncryptionKey(client, wallets.doctor, { registry, publicKey: new Uint8Array(32).fill(0xd0), version: 1 })
})

afterAll(async () => {
  await anvil?.stop()
})

describe('guardianships on the ledger', () => {
  it('lists for a guardian the patients who named them, and drops one who removed them', async () => {
    await addGuardian(client, wallets.patient, { ledger, guardian: addresses.guardian })
    await addGuardian(client, wallets.secondPatient, { ledger, guardian: addresses.guardian })
    expect((await readWards(client, { ledger, guardian: addresses.guardian })).map((w) => w.patient)).toEqual([addresses.patient, addresses.secondPatient])
    expect(await readWards(client, { ledger, guardian: addresses.stranger })).toEqual([])

    await removeGuardian(client, wallets.secondPatient, { ledger, guardian: addresses.guardian })
    expect((await readWards(client, { ledger, guardian: addresses.guardian })).map((w) => w.patient)).toEqual([addresses.patient])
  })

  it("reads a patient's guardians with the grants, and a removal as an end of access", async () => {
    const second = await readAccess(client, { ledger, patient: addresses.secondPatient })
    expect(second.guardians).toEqual([])
    expect(second.endings).toEqual([expect.objectContaining({ doctor: addresses.guardian, reason: 'guardian-removed' })])
    expect((await readAccess(client, { ledger, patient: addresses.patient })).guardians).toEqual([addresses.guardian])
  })

  it("records a guardian's emergency grant of the emergency categories, and refuses a stranger's with a clear message", async () => {
    const expiry = (await client.getBlock()).timestamp + 6n * 3600n
    const scope = { categories: EMERGENCY_CATEGORIES, mayWrite: false }
    const refused = await emergencyGrant(client, wallets.stranger, { ledger, registry, patient: addresses.patient, doctor: addresses.doctor, expiry, scope }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ChainError)
    expect((refused as ChainError).message).toBe('Only a guardian the patient has named can grant emergency access. Ask the patient to add you as a guardian.')
    expect((await readAccess(client, { ledger, patient: addresses.patient })).grants).toEqual([])
    await emergencyGrant(client, wallets.guardian, { ledger, registry, patient: addresses.patient, doctor: addresses.doctor, expiry, scope })
    const access = await readAccess(client, { ledger, patient: addresses.patient })
    expect(access.grants).toEqual([expect.objectContaining({ doctor: addresses.doctor, emergency: true, grantedBy: addresses.guardian, live: true, scope })])
  })
})
