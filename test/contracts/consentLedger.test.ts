// The consent ledger on a live anvil, driven only through src/chain's actions and the app's own
// clients: every action, refusals caught before any transaction, and every custom error of the
// contract arriving as a ChainError with a message a person can act on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getCode, getTransactionCount } from 'viem/actions'
import { getContractAddress, keccak256, toHex, zeroAddress, type Address, type Hex, type WalletClient } from 'viem'
import { startAnvil, type Anvil } from '../../scripts/stack/anvil.ts'
import { deployContracts } from '../../scripts/stack/deploy.ts'
import { consentLedgerAbi } from '../../src/chain/abi.generated.ts'
import { chainFromSettings, createChainClient } from '../../src/chain/client.ts'
import { deployerAccount, developmentAccounts, type DevelopmentAccount } from '../../src/chain/devAccounts.ts'
import {
  addGuardian,
  anchor,
  breakGlass,
  ChainError,
  describeAuditEntry,
  emergencyGrant,
  encodeTerms,
  grant,
  isGrantLive,
  logVisit,
  publishEncryptionKey,
  readAccess,
  readAuditTrail,
  readGrants,
  readLatestAnchor,
  readPatients,
  removeGuardian,
  revoke,
  toChainError,
  watchAuditTrail,
  type AuditEntry,
  type ChainErrorCode,
  type Scope,
  type ChainClient
} from '../../src/chain/index.ts'
import { connectDevelopmentWallet } from '../../src/chain/wallets.ts'
import { LOCAL_CHAIN_ID } from '../../src/config/index.ts'

const DAY = 24n * 3600n
const readConditions: Scope = { categories: ['conditions', 'medications'], mayWrite: false }
const writeAll: Scope = { categories: ['conditions', 'medications', 'allergies'], mayWrite: true }

let anvil: Anvil | undefined
let client: ChainClient
let ledger: Address
let registry: Address
const wallets: Record<'patient' | 'doctor' | 'clinician' | 'guardian' | 'secondDoctor', WalletClient> = {} as never
const addresses: Record<keyof typeof wallets, Address> = {} as never

function labelled(label: string): DevelopmentAccount {
  const account = developmentAccounts.find((a) => a.label === label)
  if (account === undefined) throw new Error(`no development account labelled ${label}`)
  return account
}

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 })
  ;({ keyRegistry: registry, consentLedger: ledger } = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey }))
  const settings = { id: anvil.chainId, name: 'Local chain (anvil)', rpcUrl: anvil.rpcUrl }
  client = createChainClient(settings)
  const roles = { patient: 'Patient', doctor: 'Doctor', clinician: 'Emergency clinician', guardian: 'Guardian', secondDoctor: 'Second doctor' } as const
  for (const [role, label] of Object.entries(roles) as [keyof typeof roles, string][]) {
    const wallet = await connectDevelopmentWallet(labelled(label), chainFromSettings(settings), LOCAL_CHAIN_ID)
    wallets[role] = wallet.client
    addresses[role] = wallet.address
  }
  // The doctor and the guardian use the app; the second doctor has not registered yet.
  await publishEncryptionKey(client, wallets.doctor, { registry, publicKey: new Uint8Array(32).fill(0xd0), version: 1 })
  await publishEncryptionKey(client, wallets.guardian, { registry, publicKey: new Uint8Array(32).fill(0x6a), version: 1 })
})

afterAll(async () => {
  await anvil?.stop()
})

async function now(): Promise<bigint> {
  return (await client.getBlock()).timestamp
}

/** The error an action threw, checked to be a ChainError with `code`. */
async function chainError(promise: Promise<unknown>, code: ChainErrorCode): Promise<ChainError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).code).toBe(code)
    return error as ChainError
  }
  throw new Error(`expected a ChainError ${code}`)
}

/** Asserts that `run` sent no transaction from `who` (its nonce did not move). */
async function sendsNothing(who: keyof typeof wallets, run: () => Promise<unknown>): Promise<void> {
  const before = await getTransactionCount(client, { address: addresses[who] })
  await run()
  expect(await getTransactionCount(client, { address: addresses[who] })).toBe(before)
}

describe('deployment', () => {
  it('puts the ledger at the deployer\'s second nonce, after the key registry, and it has code', async () => {
    expect(registry).toBe(getContractAddress({ from: deployerAccount.address, nonce: 0n }))
    expect(ledger).toBe(getContractAddress({ from: deployerAccount.address, nonce: 1n }))
    expect(await getCode(client, { address: ledger })).toMatch(/^0x[0-9a-f]{2,}$/)
  })
})

describe('grant and revoke', () => {
  it('refuses bad input with a ChainError before any transaction', async () => {
    const base = { ledger, registry, doctor: addresses.doctor, expiry: (await now()) + 30n * DAY, scope: readConditions }
    await sendsNothing('patient', async () => {
      expect((await chainError(grant(client, wallets.patient, { ...base, doctor: '0x12' }), 'INVALID_ADDRESS')).message).toContain('0x followed by 40 hexadecimal digits')
      expect((await chainError(grant(client, wallets.patient, { ...base, expiry: (await now()) - 60n }), 'INVALID_INPUT')).message).toContain('already passed')
      expect((await chainError(grant(client, wallets.patient, { ...base, expiry: (await now()) + 400n * DAY }), 'INVALID_INPUT')).message).toContain('at most one year')
      expect((await chainError(grant(client, wallets.patient, { ...base, scope: { categories: [], mayWrite: true } }), 'INVALID_INPUT')).message).toContain('at least one kind of record')
      expect((await chainError(grant(client, wallets.patient, { ...base, doctor: addresses.patient }), 'INVALID_INPUT')).message).toContain('yourself')
    })
  })

  it('refuses a doctor who has registered no encryption key, since the grant would be useless', async () => {
    await sendsNothing('patient', async () => {
      const error = await chainError(
        grant(client, wallets.patient, { ledger, registry, doctor: addresses.secondDoctor, expiry: (await now()) + DAY, scope: readConditions }),
        'NO_ENCRYPTION_KEY'
      )
      expect(error.message).toBe('The doctor 0x15d3…6A65 has not registered an encryption key yet, so they could not read anything shared with them. Ask them to open Anamnesis and register first.')
    })
  })

  it('grants a doctor access the ledger then reports as live, for that scope only', async () => {
    const expiry = (await now()) + 30n * DAY
    const result = await grant(client, wallets.patient, { ledger, registry, doctor: addresses.doctor, expiry, scope: readConditions })
    expect(result.transactionHash).toMatch(/^0x[0-9a-f]{64}$/)

    expect(await isGrantLive(client, { ledger, patient: addresses.patient, doctor: addresses.doctor })).toBe(true)
    expect(await isGrantLive(client, { ledger, patient: addresses.patient, doctor: addresses.doctor, scope: { categories: ['conditions'], mayWrite: false } })).toBe(true)
    expect(await isGrantLive(client, { ledger, patient: addresses.patient, doctor: addresses.doctor, scope: { categories: ['allergies'], mayWrite: false } })).toBe(false)
    expect(await isGrantLive(client, { ledger, patient: addresses.patient, doctor: addresses.doctor, scope: { categories: ['conditions'], mayWrite: true } })).toBe(false)

    const grants = await readGrants(client, { ledger, patient: addresses.patient })
    expect(grants).toEqual([
      {
        doctor: addresses.doctor,
        expiry: new Date(Number(expiry) * 1000),
        scope: { categories: ['conditions', 'medications'], mayWrite: false },
        live: true,
        grantedBy: addresses.patient,
        emergency: false,
        blockNumber: result.blockNumber,
        transactionHash: result.transactionHash
      }
    ])
  })

  it('re-grants in place, and says so when nothing would change', async () => {
    const [current] = await readGrants(client, { ledger, patient: addresses.patient })
    if (current === undefined) throw new Error('expected a grant')
    const same = { ledger, registry, doctor: addresses.doctor, expiry: current.expiry, scope: current.scope }
    await sendsNothing('patient', async () => {
      const error = await chainError(grant(client, wallets.patient, same), 'CONTRACT_REVERTED')
      expect(error.details).toBe('GrantUnchanged')
      expect(error.message).toBe('This doctor already has exactly this access; nothing was changed.')
    })

    await grant(client, wallets.patient, { ...same, scope: writeAll })
    const [updated] = await readGrants(client, { ledger, patient: addresses.patient })
    expect(updated?.scope).toEqual(writeAll)
    expect(updated?.expiry).toEqual(current.expiry)
  })

  it('revokes, after which the grant is neither live nor listed', async () => {
    await grant(client, wallets.patient, { ledger, registry, doctor: addresses.guardian, expiry: (await now()) + DAY, scope: readConditions })
    await revoke(client, wallets.patient, { ledger, doctor: addresses.guardian })

    expect(await isGrantLive(client, { ledger, patient: addresses.patient, doctor: addresses.guardian })).toBe(false)
    expect((await readGrants(client, { ledger, patient: addresses.patient })).map((g) => g.doctor)).toEqual([addresses.doctor])
  })

  it('keeps the revocation in the access it reads, at the block and time the audit trail gives it, where the grants list forgets it', async () => {
    const access = await readAccess(client, { ledger, patient: addresses.patient })
    const latest = await client.getBlock()
    expect(access.at).toEqual({ block: latest.number, time: new Date(Number(latest.timestamp) * 1000) })
    expect(access.grants).toEqual(await readGrants(client, { ledger, patient: addresses.patient }))
    expect(access.grants.map((g) => g.doctor)).not.toContain(addresses.guardian)
    const { entries } = await readAuditTrail(client, { ledger, patient: addresses.patient, pageSize: 100 })
    const revocation = entries.find((e) => e.kind === 'revoked')
    if (revocation === undefined) throw new Error('the guardian\'s grant was revoked just before')
    expect(access.endings).toEqual([{ doctor: addresses.guardian, reason: 'revoked', at: revocation.timestamp, block: revocation.blockNumber }])
    // The same answer whatever the block range of each log query.
    expect(await readAccess(client, { ledger, patient: addresses.patient, blockRange: 1n })).toEqual(access)
    await chainError(readAccess(client, { ledger, patient: 'nobody' }), 'INVALID_ADDRESS')
  })

  it("lists a doctor's patients from the ledger, and a revoked grant drops out", async () => {
    const [grantOfDoctor] = await readGrants(client, { ledger, patient: addresses.patient })
    expect(await readPatients(client, { ledger, doctor: addresses.doctor })).toEqual([
      { patient: addresses.patient, expiry: grantOfDoctor?.expiry, scope: writeAll, live: true, emergency: false }
    ])
    // The guardian held a grant from the patient, then lost it.
    expect(await readPatients(client, { ledger, doctor: addresses.guardian })).toEqual([])
    // The same answer whatever the block range of each log query.
    expect(await readPatients(client, { ledger, doctor: addresses.doctor, blockRange: 1n })).toHaveLength(1)
    await chainError(readPatients(client, { ledger, doctor: '0x1234' }), 'INVALID_ADDRESS')
  })

  it('says there is nothing to revoke when the doctor holds no grant', async () => {
    await sendsNothing('patient', async () => {
      const error = await chainError(revoke(client, wallets.patient, { ledger, doctor: addresses.guardian }), 'CONTRACT_REVERTED')
      expect(error.message).toBe('This doctor holds no access from you, so there is nothing to revoke.')
    })
  })
})

describe('guardians and emergency grants', () => {
  it('refuses to name the patient as their own guardian before any transaction', async () => {
    await sendsNothing('patient', async () => {
      expect((await chainError(addGuardian(client, wallets.patient, { ledger, guardian: addresses.patient }), 'INVALID_INPUT')).message).toContain('your own guardian')
    })
  })

  it('names a guardian once, and says so on a second try', async () => {
    await addGuardian(client, wallets.patient, { ledger, guardian: addresses.guardian })
    const error = await chainError(addGuardian(client, wallets.patient, { ledger, guardian: addresses.guardian }), 'CONTRACT_REVERTED')
    expect(error.message).toBe('This person is already one of your guardians.')
  })

  it('lets only a named guardian grant emergency access', async () => {
    const request = { ledger, registry, patient: addresses.patient, doctor: addresses.guardian, expiry: (await now()) + 3600n, scope: readConditions }
    const error = await chainError(emergencyGrant(client, wallets.clinician, request), 'CONTRACT_REVERTED')
    expect(error.message).toBe('Only a guardian the patient has named can grant emergency access. Ask the patient to add you as a guardian.')
  })

  it('refuses an emergency grant longer than 72 hours before any transaction', async () => {
    await sendsNothing('guardian', async () => {
      const request = { ledger, registry, patient: addresses.patient, doctor: addresses.clinician, expiry: (await now()) + 73n * 3600n, scope: readConditions }
      expect((await chainError(emergencyGrant(client, wallets.guardian, request), 'INVALID_INPUT')).message).toContain('at most 72 hours')
    })
  })

  it("records a guardian's emergency grant, listed as emergency and naming the guardian", async () => {
    await publishEncryptionKey(client, wallets.clinician, { registry, publicKey: new Uint8Array(32).fill(0xe3), version: 1 })
    const expiry = (await now()) + 12n * 3600n
    await emergencyGrant(client, wallets.guardian, { ledger, registry, patient: addresses.patient, doctor: addresses.clinician, expiry, scope: { categories: ['allergies'], mayWrite: false } })

    const record = (await readGrants(client, { ledger, patient: addresses.patient })).find((g) => g.doctor === addresses.clinician)
    expect(record).toMatchObject({ emergency: true, grantedBy: addresses.guardian, live: true, expiry: new Date(Number(expiry) * 1000) })
  })

  it("never lets a guardian change a doctor's live grant", async () => {
    const request = { ledger, registry, patient: addresses.patient, doctor: addresses.doctor, expiry: (await now()) + 3600n, scope: readConditions }
    const error = await chainError(emergencyGrant(client, wallets.guardian, request), 'CONTRACT_REVERTED')
    expect(error.message).toBe('This doctor already has live access from the patient; only the patient can change it.')
  })

  it('removes a guardian, and says so when they are not one', async () => {
    await removeGuardian(client, wallets.patient, { ledger, guardian: addresses.guardian })
    const error = await chainError(removeGuardian(client, wallets.patient, { ledger, guardian: addresses.guardian }), 'CONTRACT_REVERTED')
    expect(error.message).toBe('This person is not one of your guardians, so there is nobody to remove.')
  })
})

describe('visits, break-glass and anchors', () => {
  const root: Hex = keccak256(toHex('heads after the visit'))

  it('records a visit by a doctor with a live grant, and refuses one without', async () => {
    await logVisit(client, wallets.doctor, { ledger, patient: addresses.patient })
    const error = await chainError(logVisit(client, wallets.secondDoctor, { ledger, patient: addresses.patient }), 'CONTRACT_REVERTED')
    expect(error.message).toBe('You hold no live access from this patient, so the visit cannot be recorded. Ask the patient to grant access.')
  })

  it('records a break-glass access with its reason', async () => {
    await breakGlass(client, wallets.clinician, { ledger, patient: addresses.patient, reason: 'unconscious' })
    await sendsNothing('clinician', async () => {
      expect((await chainError(breakGlass(client, wallets.clinician, { ledger, patient: addresses.patient, reason: 'curious' as never }), 'INVALID_INPUT')).message).toContain('not a reason')
    })
  })

  it('has no anchor before the first one', async () => {
    expect(await readLatestAnchor(client, { ledger, patient: addresses.secondDoctor })).toBeNull()
  })

  it("anchors the patient's own history and reads it back as the latest anchor", async () => {
    const result = await anchor(client, wallets.patient, { ledger, root, entryCount: 12 })
    expect(await readLatestAnchor(client, { ledger, patient: addresses.patient })).toMatchObject({
      root,
      entryCount: 12n,
      anchoredBy: addresses.patient,
      blockNumber: result.blockNumber,
      transactionHash: result.transactionHash
    })
  })

  it("lets a doctor with a live write grant anchor, which never replaces the patient's own latest anchor", async () => {
    const later = keccak256(toHex('heads after the doctor added a diagnosis'))
    const doctorsAnchor = await anchor(client, wallets.doctor, { ledger, root: later, entryCount: 13n, patient: addresses.patient })
    expect(doctorsAnchor.blockNumber).toBeGreaterThan(0n)
    // The history is verified against the patient's anchor, searched back past the doctor's one block at a time.
    expect(await readLatestAnchor(client, { ledger, patient: addresses.patient, blockRange: 1n })).toMatchObject({ root, entryCount: 12n, anchoredBy: addresses.patient })
  })

  it('refuses a doctor without a write grant', async () => {
    const error = await chainError(anchor(client, wallets.clinician, { ledger, root, entryCount: 14n, patient: addresses.patient }), 'CONTRACT_REVERTED')
    expect(error.message).toBe('Only the patient, or a doctor with live write access, can anchor this history. Ask the patient for write access.')
  })

  it('refuses an empty root or no entries before any transaction', async () => {
    await sendsNothing('patient', async () => {
      await chainError(anchor(client, wallets.patient, { ledger, root: `0x${'00'.repeat(32)}`, entryCount: 1 }), 'INVALID_INPUT')
      await chainError(anchor(client, wallets.patient, { ledger, root: '0x1234', entryCount: 1 }), 'INVALID_INPUT')
      await chainError(anchor(client, wallets.patient, { ledger, root, entryCount: 0 }), 'INVALID_INPUT')
    })
  })
})

describe('the audit trail', () => {
  it('holds every kind of event, newest first, readable as sentences', async () => {
    const { entries, nextCursor } = await readAuditTrail(client, { ledger, patient: addresses.patient, pageSize: 100 })
    expect(nextCursor).toBeNull()
    expect(entries.map((e) => e.kind)).toEqual([
      'anchored',
      'anchored',
      'glassBroken',
      'visitLogged',
      'guardianRemoved',
      'emergencyGranted',
      'guardianAdded',
      'revoked',
      'granted',
      'granted',
      'granted'
    ])
    for (let i = 1; i < entries.length; i++) {
      const [newer, older] = [entries[i - 1], entries[i]] as [AuditEntry, AuditEntry]
      expect(newer.blockNumber > older.blockNumber || (newer.blockNumber === older.blockNumber && newer.logIndex > older.logIndex)).toBe(true)
      expect(newer.timestamp.getTime()).toBeGreaterThanOrEqual(older.timestamp.getTime())
    }
    const first = entries.at(-1)
    if (first?.kind !== 'granted') throw new Error('the oldest entry should be the first grant')
    expect(first.actor).toBe(addresses.patient)
    expect(describeAuditEntry(first)).toMatch(/^Dr 0x7099…79C8 was granted read access to conditions, medications until \d{1,2} [A-Z][a-z]{2} \d{4}$/)
    expect(entries.map((e) => e.transactionHash)).not.toContain(undefined)
  })

  it('pages through the same entries with a cursor, whatever the block range of each query', async () => {
    const { entries: all } = await readAuditTrail(client, { ledger, patient: addresses.patient, pageSize: 100 })
    const paged: AuditEntry[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 20; pages++) {
      const page = await readAuditTrail(client, { ledger, patient: addresses.patient, pageSize: 3, blockRange: 2n, ...(cursor === undefined ? {} : { cursor }) })
      expect(page.entries.length).toBeLessThanOrEqual(3)
      paged.push(...page.entries)
      if (page.nextCursor === null) break
      cursor = page.nextCursor
    }
    expect(paged).toEqual(all)
  })

  it("leaves out other patients' events", async () => {
    const { entries } = await readAuditTrail(client, { ledger, patient: addresses.secondDoctor })
    expect(entries).toEqual([])
  })

  it('refuses a cursor it did not give out', async () => {
    await chainError(readAuditTrail(client, { ledger, patient: addresses.patient, cursor: 'page two' }), 'INVALID_INPUT')
  })

  it('delivers new entries as they land', async () => {
    const received: AuditEntry[][] = []
    const errors: ChainError[] = []
    const stop = watchAuditTrail(client, { ledger, patient: addresses.patient, pollingInterval: 50, onEntries: (e) => received.push(e), onError: (e) => errors.push(e) })
    try {
      // Let the watch see the current block before anything new happens.
      await new Promise((resolve) => setTimeout(resolve, 300))
      await logVisit(client, wallets.doctor, { ledger, patient: addresses.patient })
      await anchor(client, wallets.patient, { ledger, root: keccak256(toHex('heads, later still')), entryCount: 15 })
      await expect.poll(() => received.flat().map((e) => e.kind), { timeout: 5000, interval: 50 }).toEqual(expect.arrayContaining(['visitLogged', 'anchored']))
    } finally {
      stop()
    }
    expect(errors).toEqual([])
    expect(received.flat()).toHaveLength(2)
  })
})

describe('every custom error of the ledger reaches the person as a ChainError they can act on', () => {
  // The actions refuse most bad input themselves; these calls go to the contract directly, as a
  // wallet that skipped the app's checks would, to prove each refusal decodes on a live node.
  const as = (who: keyof typeof wallets) => ({ account: addresses[who], address: ledger, abi: consentLedgerAbi })
  const terms = async (seconds: bigint) => encodeTerms({ expiry: (await now()) + seconds, scope: readConditions })
  const someRoot = keccak256('0x01')
  /** Sends a ledger call from `who`'s wallet and waits for it: the setup a refusal needs. */
  const send = async (who: keyof typeof wallets, call: { functionName: 'grant' | 'revoke' | 'addGuardian' | 'emergencyGrant'; args: readonly unknown[] }) => {
    const { request } = await client.simulateContract({ ...as(who), ...call } as never)
    await client.waitForTransactionReceipt({ hash: await wallets[who].writeContract(request as never) })
  }
  // The emergency limits are set up on the clinician's own history, so the patient's audit trail above stays as it is.
  const strangers = ['0x00000000000000000000000000000000000000a1', '0x00000000000000000000000000000000000000a2', '0x00000000000000000000000000000000000000a3', '0x00000000000000000000000000000000000000a4'] as const
  const refusals: Record<string, () => Promise<unknown>> = {
    InvalidDoctor: async () => client.simulateContract({ ...as('patient'), functionName: 'grant', args: [addresses.patient, await terms(DAY)] }),
    ExpiryNotInFuture: () => client.simulateContract({ ...as('patient'), functionName: 'grant', args: [addresses.secondDoctor, encodeTerms({ expiry: 1n, scope: readConditions })] }),
    ExpiryTooFar: async () => client.simulateContract({ ...as('patient'), functionName: 'grant', args: [addresses.secondDoctor, await terms(400n * DAY)] }),
    EmptyScope: async () => client.simulateContract({ ...as('patient'), functionName: 'grant', args: [addresses.secondDoctor, (await now()) + DAY] }),
    UnknownScope: async () => client.simulateContract({ ...as('patient'), functionName: 'grant', args: [addresses.secondDoctor, ((await now()) + DAY) | (0x201n << 64n)] }),
    GrantUnchanged: async () => {
      const [current] = await readGrants(client, { ledger, patient: addresses.patient })
      if (current === undefined) throw new Error('expected a grant')
      const same = encodeTerms({ expiry: BigInt(current.expiry.getTime() / 1000), scope: current.scope })
      return await client.simulateContract({ ...as('patient'), functionName: 'grant', args: [current.doctor, same] })
    },
    NoGrant: () => client.simulateContract({ ...as('patient'), functionName: 'revoke', args: [addresses.secondDoctor] }),
    InvalidGuardian: () => client.simulateContract({ ...as('patient'), functionName: 'addGuardian', args: [addresses.patient] }),
    GuardianAlreadyAdded: async () => {
      await addGuardian(client, wallets.patient, { ledger, guardian: addresses.secondDoctor })
      return await client.simulateContract({ ...as('patient'), functionName: 'addGuardian', args: [addresses.secondDoctor] })
    },
    GuardianNotFound: () => client.simulateContract({ ...as('patient'), functionName: 'removeGuardian', args: [addresses.clinician] }),
    NotGuardian: async () => client.simulateContract({ ...as('clinician'), functionName: 'emergencyGrant', args: [addresses.patient, addresses.guardian, await terms(3600n)] }),
    GrantAlreadyLive: async () => client.simulateContract({ ...as('secondDoctor'), functionName: 'emergencyGrant', args: [addresses.patient, addresses.doctor, await terms(3600n)] }),
    DoctorRevokedRecently: async () => {
      await send('clinician', { functionName: 'addGuardian', args: [addresses.guardian] })
      await send('clinician', { functionName: 'grant', args: [addresses.doctor, await terms(DAY)] })
      await send('clinician', { functionName: 'revoke', args: [addresses.doctor] })
      return await client.simulateContract({ ...as('guardian'), functionName: 'emergencyGrant', args: [addresses.clinician, addresses.doctor, await terms(3600n)] })
    },
    EmergencyGrantCoolingDown: async () => {
      // A grant of the clinician's that ends in two seconds; the chain's time moves past it.
      await send('clinician', { functionName: 'grant', args: [addresses.secondDoctor, await terms(2n)] })
      await client.request({ method: 'evm_increaseTime', params: [3] } as never)
      await client.request({ method: 'evm_mine', params: [] } as never)
      return await client.simulateContract({ ...as('guardian'), functionName: 'emergencyGrant', args: [addresses.clinician, addresses.secondDoctor, await terms(3600n)] })
    },
    EmergencyGrantMayNotWrite: async () =>
      client.simulateContract({ ...as('guardian'), functionName: 'emergencyGrant', args: [addresses.clinician, '0x00000000000000000000000000000000000000a5', encodeTerms({ expiry: (await now()) + 3600n, scope: writeAll })] }),
    EmergencyGrantCapReached: async () => {
      for (const doctor of strangers.slice(0, 3)) await send('guardian', { functionName: 'emergencyGrant', args: [addresses.clinician, doctor, await terms(3600n)] })
      return await client.simulateContract({ ...as('guardian'), functionName: 'emergencyGrant', args: [addresses.clinician, strangers[3], await terms(3600n)] })
    },
    InvalidPatient: () => client.simulateContract({ ...as('clinician'), functionName: 'breakGlass', args: [zeroAddress, 1] }),
    NoReason: () => client.simulateContract({ ...as('clinician'), functionName: 'breakGlass', args: [addresses.patient, 0] }),
    NoLiveGrant: () => client.simulateContract({ ...as('guardian'), functionName: 'logVisit', args: [addresses.patient] }),
    EmptyRoot: () => client.simulateContract({ ...as('patient'), functionName: 'anchor', args: [`0x${'00'.repeat(32)}`, 1n] }),
    NoEntries: () => client.simulateContract({ ...as('patient'), functionName: 'anchor', args: [someRoot, 0n] }),
    NoWriteGrant: () => client.simulateContract({ ...as('guardian'), functionName: 'anchorForPatient', args: [addresses.patient, someRoot, 1n] })
  }

  it('covers every error in the ABI', () => {
    const inAbi = consentLedgerAbi.filter((item) => item.type === 'error').map((item) => item.name)
    expect(Object.keys(refusals).sort()).toEqual([...inAbi].sort())
  })

  it.each(Object.keys(refusals))('%s', async (errorName) => {
    const refusal = refusals[errorName]
    if (refusal === undefined) throw new Error(`no refusal for ${errorName}`)
    let thrown: unknown
    try {
      await refusal()
    } catch (error) {
      thrown = error
    }
    const error = toChainError(thrown, 'do that')
    expect(error.code).toBe('CONTRACT_REVERTED')
    expect(error.details).toBe(errorName)
    expect(error.message).not.toContain(errorName)
    expect(error.message).toMatch(/^[A-Z].{20,}\.$/)
  })
})
