// The full tier of an emergency card against a real keeper process on a real local chain: the
// patient's device leaves the sealed summary with its keeper; a clinician is refused until their
// break-glass is on the ledger, then gets the ciphertext and opens it with the card's key. Refused
// too: a break-glass older than 15 minutes (the chain's time moved on), a replayed request, a
// request another wallet signed, a replaced card's id (whose ciphertext is gone from the keeper's
// data folder), a store by a stranger or a patient who has not enrolled the keeper, and a card over
// 64 KiB. The keeper's disk never holds the summary's text or the card's key.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { breakGlass } from '../../src/chain/index.ts'
import { developmentAccounts } from '../../src/chain/devAccounts.ts'
import { newEmergencyCard, openEmergencySummary, sealEmergencySummary } from '../../src/crypto/index.ts'
import { enrolKeeper, KeeperError, openEmergencyCard, removeKeeper, storeEmergencyCard, type ClinicianSigner } from '../../src/keeper/index.ts'
import { ciphertextDigest, EMERGENCY_PROTOCOL, openRequestTypedData, signCardStatement, type OpenRequest } from '../../src/keeper/emergencyProtocol.ts'
import { MessageReader, sendMessage } from '../../src/p2p/syncWire.ts'
import { publishEmergencyCard, readEmergencySummary } from '../../src/session/emergencyCard.ts'
import { SessionError } from '../../src/session/index.ts'
import type { P2PNode } from '../../src/p2p/index.ts'
import { memoryDevice, waitFor, type Cleanups, type Person } from './historyFixtures.ts'
import { personOn, spawnKeeper, startChain, type KeeperProcess, type TestChain } from './keeperFixtures.ts'

let chain: TestChain
let patient: Person
let secondPatient: Person
let clinician: Person
let doctor: Person
const cleanups: Cleanups = []
const QUOTA = 10 * 1024 * 1024

/** A summary as the IPS builder would encode it: words and FHIR field names a scan of the keeper's disk must not find. */
const SUMMARY_TEXT = JSON.stringify({
  resourceType: 'Bundle',
  type: 'document',
  entry: [
    { resource: { resourceType: 'Composition', code: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] }, title: 'Patient summary' } },
    { resource: { resourceType: 'AllergyIntolerance', code: { text: 'Penicillin anaphylaxis' }, criticality: 'high' } },
    { resource: { resourceType: 'MedicationStatement', medicationCodeableConcept: { text: 'Warfarin 5 mg daily' } } }
  ]
})
const summary = new TextEncoder().encode(SUMMARY_TEXT)

// A chain of its own for each test: a break-glass one test records must not count in the next.
beforeEach(async () => {
  chain = await startChain()
  cleanups.push(() => chain.stop())
  ;[patient, secondPatient, clinician, doctor] = await Promise.all([personOn(chain, 'Patient'), personOn(chain, 'Second patient'), personOn(chain, 'Emergency clinician'), personOn(chain, 'Doctor')])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

function accountOf(person: Person): PrivateKeyAccount {
  const dev = developmentAccounts.find((account) => account.address.toLowerCase() === person.address)
  if (dev === undefined) throw new Error(`${person.label} is no development account`)
  return privateKeyToAccount(dev.privateKey)
}

/** The person's wallet as the app's EIP-712 signer. */
function signerOf(person: Person): ClinicianSigner {
  const account = accountOf(person)
  return { address: account.address, signTypedData: (data) => account.signTypedData(data) }
}

async function recordBreakGlass(person: Person, forPatient: Person): Promise<void> {
  const wallet = createWalletClient({ account: accountOf(person), chain: foundry, transport: http(chain.rpcUrl) })
  await breakGlass(chain.client, wallet, { ledger: chain.contracts.consentLedger, patient: forPatient.address, reason: 'unconscious' })
}

async function moveChainTime(seconds: number): Promise<void> {
  await chain.client.request({ method: 'evm_increaseTime', params: [seconds] } as never)
  await chain.client.request({ method: 'evm_mine', params: [] } as never)
}

/** The reason of the KeeperError a call rejects with. */
async function refusal(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (error) {
    if (error instanceof KeeperError) return error.reason ?? error.code
    throw error
  }
  throw new Error('the keeper released or stored it')
}

/** Speaks the emergency protocol by hand: hello, then `request` as it is. */
async function rawRequest(node: P2PNode, keeper: KeeperProcess, request: Record<string, unknown>): Promise<unknown> {
  const signal = AbortSignal.timeout(15_000)
  const stream = await node.libp2p.dialProtocol(multiaddr(keeper.multiaddr), EMERGENCY_PROTOCOL, { signal })
  const reader = new MessageReader(stream)
  await sendMessage(stream, { t: 'hello' }, signal)
  await reader.next(signal)
  await sendMessage(stream, request, signal)
  const answer = await reader.next(signal)
  await stream.close().catch(() => undefined)
  return answer
}

/** Every file under `dir`, as bytes. */
async function filesUnder(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const out: { file: string; bytes: Buffer }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    out.push({ file, bytes: await readFile(file) })
  }
  return out
}

/** The files of the keeper's data folder that hold `needle`. */
async function filesHolding(keeper: KeeperProcess, needle: Uint8Array): Promise<string[]> {
  return (await filesUnder(keeper.dataDir)).filter(({ bytes }) => bytes.indexOf(Buffer.from(needle)) !== -1).map(({ file }) => path.relative(keeper.dataDir, file))
}

/** A keeper with the patient enrolled, the patient's device and a clinician's device. */
async function enrolledKeeper(): Promise<{ keeper: KeeperProcess; patientNode: P2PNode; clinicianNode: P2PNode }> {
  const keeper = await spawnKeeper(cleanups, { chain })
  const { node: patientNode } = await memoryDevice(patient, cleanups)
  await enrolKeeper(patientNode, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: QUOTA })
  const { node: clinicianNode } = await memoryDevice(clinician, cleanups)
  return { keeper, patientNode, clinicianNode }
}

/** A new card of the patient's summary, stored on the keeper. */
async function storeCard(node: P2PNode, keeper: KeeperProcess, text = summary) {
  const card = newEmergencyCard()
  const ciphertext = sealEmergencySummary({ ...card, patient: patient.address, summary: text })
  const [stored] = await storeEmergencyCard(node, [keeper.multiaddr], { identity: patient.identity, patient: patient.address, cardId: card.cardId, ciphertext })
  if (stored?.ok !== true) throw stored?.error ?? new Error('no answer')
  return { ...card, ciphertext, replaced: stored.replaced }
}

describe('the full tier of an emergency card', () => {
  it('as the app\'s screens ask for it: the patient publishes a card to their keepers; a clinician reads it after break-glass, and not before', async () => {
    const { keeper, patientNode, clinicianNode } = await enrolledKeeper()
    // A second keeper that is down: the card is still published, and the answer says which keeper failed.
    const stopped = await spawnKeeper(cleanups, { chain })
    await stopped.stop()
    const down = stopped.multiaddr
    const card = await publishEmergencyCard({ node: patientNode, keepers: [down, keeper.multiaddr], identity: patient.identity, patient: patient.address, summary })
    expect(card.stored.map((answer) => answer.ok)).toEqual([false, true])
    const read = () => readEmergencySummary({ node: clinicianNode, keepers: [down, keeper.multiaddr], cardId: card.cardId, key: card.key, patient: patient.address, clinician: signerOf(clinician), domain: chain.domain })

    const refused = await read().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(SessionError)
    expect((refused as SessionError).code).toBe('EMERGENCY_SUMMARY_UNAVAILABLE')
    expect((refused as SessionError).message).toMatch(/no break-glass by you/)

    await recordBreakGlass(clinician, patient)
    const opened = await read()
    expect(new TextDecoder().decode(opened.summary)).toBe(SUMMARY_TEXT)
    expect(opened).toMatchObject({ keeper: keeper.address, reasonCode: 1 })

    // The summary brought up to date under the same card: its link still opens it, and reads the new summary.
    const updated = new TextEncoder().encode(SUMMARY_TEXT.replace('Warfarin 5 mg daily', 'Apixaban 5 mg twice daily'))
    const refreshed = await publishEmergencyCard({ node: patientNode, keepers: [keeper.multiaddr], identity: patient.identity, patient: patient.address, summary: updated, card })
    expect(refreshed.stored).toMatchObject([{ ok: true, replaced: false }])
    expect(new TextDecoder().decode((await read()).summary)).toContain('Apixaban')

    // No keeper takes it: the patient is told why, and no card is handed out.
    const nowhere = await publishEmergencyCard({ node: patientNode, keepers: [down], identity: patient.identity, patient: patient.address, summary }).catch((e: unknown) => e)
    expect((nowhere as SessionError).code).toBe('EMERGENCY_CARD_NOT_STORED')
    expect((nowhere as SessionError).message).toMatch(/None of your keepers took the emergency card.*could not be reached/)
  })

  it('is refused until the clinician\'s break-glass is on the ledger, then released and opened with the card\'s key', async () => {
    const { keeper, patientNode, clinicianNode } = await enrolledKeeper()
    const card = await storeCard(patientNode, keeper)
    expect(card.replaced).toBe(false)
    await keeper.waitForLine(new RegExp(`stored the emergency card of ${patient.address} \\(${card.ciphertext.length} bytes\\)`))
    const open = (who: Person, node = clinicianNode) => openEmergencyCard(node, keeper.multiaddr, { cardId: card.cardId, patient: patient.address, clinician: signerOf(who), domain: chain.domain })

    // No break-glass yet: refused, and the app can say why.
    const error = await open(clinician).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeeperError)
    expect((error as KeeperError).reason).toBe('no-break-glass')
    expect((error as KeeperError).message).toMatch(/no break-glass by you for this patient.*record it first/)
    // A break-glass for another patient does not count.
    await recordBreakGlass(clinician, secondPatient)
    expect(await refusal(open(clinician))).toBe('no-break-glass')

    await recordBreakGlass(clinician, patient)
    const opened = await open(clinician)
    expect(opened.keeper).toBe(keeper.address)
    expect(opened.reasonCode).toBe(1)
    expect(bytesToHex(opened.ciphertext)).toBe(bytesToHex(card.ciphertext))
    expect(new TextDecoder().decode(openEmergencySummary({ key: card.key, cardId: card.cardId, patient: patient.address, ciphertext: opened.ciphertext }))).toBe(SUMMARY_TEXT)
    await keeper.waitForLine(new RegExp(`released the emergency card of ${patient.address} to ${clinician.address} \\(break-glass reason 1\\)`))

    // Another clinician, who recorded nothing, is still refused.
    const { node: doctorNode } = await memoryDevice(doctor, cleanups)
    expect(await refusal(open(doctor, doctorNode))).toBe('no-break-glass')
    // A patient who has not enrolled this keeper: the clinician learns nothing of who keeps whom.
    await recordBreakGlass(clinician, secondPatient)
    expect(await refusal(openEmergencyCard(clinicianNode, keeper.multiaddr, { cardId: card.cardId, patient: secondPatient.address, clinician: signerOf(clinician), domain: chain.domain }))).toBe('unknown-card')

    // Nothing on the keeper's disk reads as the summary, and the card's key is not there.
    for (const needle of ['Penicillin', 'Warfarin', 'AllergyIntolerance', 'resourceType', '60591-5']) expect(await filesHolding(keeper, new TextEncoder().encode(needle))).toEqual([])
    expect(await filesHolding(keeper, card.key)).toEqual([])
    // The ciphertext itself is there (so the scan can find what it looks for).
    expect(await filesHolding(keeper, card.ciphertext.subarray(100, 164))).toEqual([`emergency/${patient.address}.card`])
  })

  it('refuses a break-glass older than 15 minutes on the chain\'s clock', async () => {
    const { keeper, patientNode, clinicianNode } = await enrolledKeeper()
    const card = await storeCard(patientNode, keeper)
    await recordBreakGlass(clinician, patient)
    await moveChainTime(16 * 60)
    expect(await refusal(openEmergencyCard(clinicianNode, keeper.multiaddr, { cardId: card.cardId, patient: patient.address, clinician: signerOf(clinician), domain: chain.domain }))).toBe('break-glass-too-old')
    await keeper.waitForLine(/refused emergency open .*: break-glass-too-old/)
    // A fresh break-glass opens it again.
    await recordBreakGlass(clinician, patient)
    const opened = await openEmergencyCard(clinicianNode, keeper.multiaddr, { cardId: card.cardId, patient: patient.address, clinician: signerOf(clinician), domain: chain.domain })
    expect(bytesToHex(opened.ciphertext)).toBe(bytesToHex(card.ciphertext))
  })

  it('answers a signed request once: a replay is refused; a request in another\'s name, or for another keeper, is refused', async () => {
    const { keeper, patientNode, clinicianNode } = await enrolledKeeper()
    const card = await storeCard(patientNode, keeper)
    await recordBreakGlass(clinician, patient)
    const request = (changes: Partial<OpenRequest> = {}): OpenRequest => ({
      keeper: keeper.address,
      peer: keeper.peerId,
      patient: patient.address,
      clinician: clinician.address,
      card: `0x${bytesToHex(card.cardId)}`,
      nonce: `0x${bytesToHex(crypto.getRandomValues(new Uint8Array(16)))}`,
      at: Date.now(),
      ...changes
    })
    const signed = async (open: OpenRequest, by: Person = clinician) => ({ t: 'open', request: open, signature: Buffer.from((await accountOf(by).signTypedData(openRequestTypedData(chain.domain, open) as never)).slice(2), 'hex') })

    const once = await signed(request())
    expect(await rawRequest(clinicianNode, keeper, once)).toMatchObject({ t: 'card' })
    expect(await rawRequest(clinicianNode, keeper, once)).toEqual({ t: 'refused', reason: 'stale' })
    // Its nonce is remembered across a restart of the keeper.
    await keeper.stop()
    const restarted = await spawnKeeper(cleanups, { chain, dataDir: keeper.dataDir, port: keeper.port })
    expect(await rawRequest(clinicianNode, restarted, once)).toEqual({ t: 'refused', reason: 'stale' })

    // The doctor signs a request naming the clinician (whose break-glass is on the ledger).
    expect(await rawRequest(clinicianNode, restarted, await signed(request(), doctor))).toEqual({ t: 'refused', reason: 'bad-signature' })
    // A request for another keeper; one three minutes old; one with its card id changed after signing.
    expect(await rawRequest(clinicianNode, restarted, await signed(request({ keeper: doctor.address })))).toEqual({ t: 'refused', reason: 'bad-signature' })
    expect(await rawRequest(clinicianNode, restarted, await signed(request({ at: Date.now() - 3 * 60_000 })))).toEqual({ t: 'refused', reason: 'stale' })
    const altered = await signed(request())
    expect(await rawRequest(clinicianNode, restarted, { ...altered, request: { ...altered.request, card: `0x${'ab'.repeat(16)}` } })).toEqual({ t: 'refused', reason: 'bad-signature' })
    expect(await rawRequest(clinicianNode, restarted, { t: 'open', request: 'the card please', signature: new Uint8Array(65) })).toEqual({ t: 'refused', reason: 'malformed' })
  })

  it('"Replace my card": the old card\'s id is refused and its ciphertext is gone from the keeper\'s data folder', async () => {
    const { keeper, patientNode, clinicianNode } = await enrolledKeeper()
    const old = await storeCard(patientNode, keeper)
    const replacement = await storeCard(patientNode, keeper)
    expect(replacement.replaced).toBe(true)
    await keeper.waitForLine(new RegExp(`replaced the emergency card of ${patient.address}`))
    await recordBreakGlass(clinician, patient)

    const open = (card: { cardId: Uint8Array }) => openEmergencyCard(clinicianNode, keeper.multiaddr, { cardId: card.cardId, patient: patient.address, clinician: signerOf(clinician), domain: chain.domain })
    const error = await open(old).catch((e: unknown) => e)
    expect((error as KeeperError).reason).toBe('unknown-card')
    expect((error as KeeperError).message).toMatch(/replaced by the patient/)
    const opened = await open(replacement)
    expect(new TextDecoder().decode(openEmergencySummary({ key: replacement.key, cardId: replacement.cardId, patient: patient.address, ciphertext: opened.ciphertext }))).toBe(SUMMARY_TEXT)
    // The old card's key opens nothing the keeper serves.
    expect(() => openEmergencySummary({ key: old.key, cardId: old.cardId, patient: patient.address, ciphertext: opened.ciphertext })).toThrow(/does not open/)

    expect(await filesHolding(keeper, old.ciphertext.subarray(100, 164))).toEqual([])
    expect(await filesHolding(keeper, replacement.ciphertext.subarray(100, 164))).toEqual([`emergency/${patient.address}.card`])

    // Removing the keeper forgets the card too.
    await removeKeeper(patientNode, keeper.multiaddr, { identity: patient.identity, patient: patient.address })
    await keeper.waitForLine(new RegExp(`forgot the emergency card of ${patient.address}`))
    expect(await filesHolding(keeper, replacement.ciphertext.subarray(100, 164))).toEqual([])
  })

  it('refuses a store by a patient who has not enrolled the keeper, by a stranger in the patient\'s name, a replay, and a card over 64 KiB', async () => {
    const { keeper, patientNode } = await enrolledKeeper()
    const held = await storeCard(patientNode, keeper)
    const card = newEmergencyCard()

    // A patient who has not enrolled this keeper.
    const { node: otherNode } = await memoryDevice(secondPatient, cleanups)
    const ciphertext = sealEmergencySummary({ ...card, patient: secondPatient.address, summary })
    const [notEnrolled] = await storeEmergencyCard(otherNode, [keeper.multiaddr], { identity: secondPatient.identity, patient: secondPatient.address, cardId: card.cardId, ciphertext })
    expect(notEnrolled?.ok === false && notEnrolled.error.reason).toBe('not-enrolled')

    // The doctor, signing with their own identity, a card in the patient's name (with the doctor's identity block, or the patient's).
    const statement = { v: 1, kind: 'emergency-card', patient: patient.address, keeper: keeper.address, peer: keeper.peerId, card: card.cardId, digest: ciphertextDigest(ciphertext), at: Date.now() } as const
    const forged = await signCardStatement(doctor.identity, statement)
    const { node: doctorNode } = await memoryDevice(doctor, cleanups)
    expect(await rawRequest(doctorNode, keeper, { t: 'store', ...forged, ciphertext })).toEqual({ t: 'refused', reason: 'bad-signature' })
    expect(await rawRequest(doctorNode, keeper, { t: 'store', ...forged, identity: patient.identity.bytes, ciphertext })).toEqual({ t: 'refused', reason: 'bad-signature' })
    // The patient's own statement with other bytes than those it signed.
    const genuine = await signCardStatement(patient.identity, { ...statement, at: Date.now() })
    expect(await rawRequest(doctorNode, keeper, { t: 'store', ...genuine, ciphertext: ciphertext.map((b) => b ^ 1) })).toEqual({ t: 'refused', reason: 'bad-signature' })
    // The genuine statement stored once; sent again, a replay.
    expect(await rawRequest(doctorNode, keeper, { t: 'store', ...genuine, ciphertext })).toEqual({ t: 'stored', replaced: true })
    expect(await rawRequest(doctorNode, keeper, { t: 'store', ...genuine, ciphertext })).toEqual({ t: 'refused', reason: 'stale' })

    // Over 64 KiB: the client refuses before sending; sent anyway, the keeper refuses; far over, it breaks the stream off.
    const big = new Uint8Array(64 * 1024 + 1).fill(7)
    await expect(storeEmergencyCard(patientNode, [keeper.multiaddr], { identity: patient.identity, patient: patient.address, cardId: card.cardId, ciphertext: big })).rejects.toThrow(/too large/)
    const oversized = await signCardStatement(patient.identity, { ...statement, digest: ciphertextDigest(big), at: Date.now() })
    expect(await rawRequest(patientNode, keeper, { t: 'store', ...oversized, ciphertext: big })).toEqual({ t: 'refused', reason: 'too-large' })
    await expect(rawRequest(patientNode, keeper, { t: 'store', ...oversized, ciphertext: new Uint8Array(256 * 1024) })).rejects.toThrow()
    await waitFor('the keeper to log the refusals', () => keeper.lines.some((line) => /refused emergency store: too-large \(a card of 65537 bytes, over 65536\)/.test(line)))

    // What the keeper holds is still the card the genuine statement left, not the earlier one.
    expect(await filesHolding(keeper, held.ciphertext.subarray(100, 164))).toEqual([])
    expect(await filesHolding(keeper, ciphertext.subarray(100, 164))).toEqual([`emergency/${patient.address}.card`])
  })
})
