import { bytesToHex } from '@noble/hashes/utils.js'
import { hashTypedData, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { typedDataDigest } from '../crypto/index.ts'
import { useIdentityDomain, type WalletAddress } from '../p2p/index.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { checkOpenRequest, checkStoreRequest, ciphertextDigest, EMERGENCY_REQUEST_MAX_AGE_MS, openRequestTypedData, signCardStatement, type CardStatement, type OpenRequest } from './emergencyProtocol.ts'

const account = (label: string) => privateKeyToAccount(developmentAccounts.find((a) => a.label === label)?.privateKey ?? '0x')
const clinician = account('Emergency clinician')
const doctor = account('Doctor')
let patient: Awaited<ReturnType<typeof walletIdentityOf>>
let other: Awaited<ReturnType<typeof walletIdentityOf>>
const keeper = '0x90f79bf6eb2c4f870365e785982e1f101e93b906' as WalletAddress
const peer = '12D3KooWKeeperPeerIdForTheseTests'
const now = 1_780_000_000_000
const card = new Uint8Array(16).fill(0xca)
const ciphertext = new Uint8Array(300).fill(0x5e)

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  patient = await walletIdentityOf(account('Patient'))
  other = await walletIdentityOf(doctor)
})

const statement = (changes: Partial<CardStatement> = {}): CardStatement => ({ v: 1, kind: 'emergency-card', patient: patient.address, keeper, peer, card, digest: ciphertextDigest(ciphertext), at: now, ...changes })

const open = (changes: Partial<OpenRequest> = {}): OpenRequest => ({
  keeper,
  peer,
  patient: patient.address,
  clinician: clinician.address.toLowerCase() as WalletAddress,
  card: `0x${bytesToHex(card)}`,
  nonce: `0x${'11'.repeat(16)}`,
  at: now,
  ...changes
})
const signedBy = async (request: OpenRequest, by = clinician) => ({ request, signature: hexToBytes(await by.signTypedData(openRequestTypedData(TEST_DOMAIN, request))) })
const expectations = () => ({ keeper, peer, now, domain: TEST_DOMAIN })

describe('the emergency protocol\'s open request', () => {
  it('is the EIP-712 digest a wallet signs (the same as viem\'s)', () => {
    const data = openRequestTypedData(TEST_DOMAIN, open())
    expect(bytesToHex(typedDataDigest(data))).toBe(hashTypedData(data as never).slice(2))
    expect(data.message.purpose).toMatch(/the patient will see who opened it and why/)
  })

  it('is accepted as the clinician signed it for this keeper', async () => {
    const message = await signedBy(open())
    expect(checkOpenRequest(message, expectations())).toEqual({ value: open() })
  })

  it('refuses another wallet\'s signature, a request changed after signing or for another keeper, an old one, and malformed fields', async () => {
    expect(checkOpenRequest(await signedBy(open(), doctor), expectations())).toMatchObject({ refusal: 'bad-signature' })
    const good = await signedBy(open())
    expect(checkOpenRequest({ ...good, request: open({ patient: other.address }) }, expectations())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkOpenRequest(await signedBy(open({ keeper: other.address })), expectations())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkOpenRequest(await signedBy(open({ peer: '12D3KooWAnother' })), expectations())).toMatchObject({ refusal: 'bad-signature' })
    // Signed in another deployment's domain.
    const elsewhere = { request: open(), signature: hexToBytes(await clinician.signTypedData(openRequestTypedData({ ...TEST_DOMAIN, chainId: TEST_DOMAIN.chainId + 1 }, open()))) }
    expect(checkOpenRequest(elsewhere, expectations())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkOpenRequest(await signedBy(open({ at: now - EMERGENCY_REQUEST_MAX_AGE_MS - 1 })), expectations())).toMatchObject({ refusal: 'stale' })
    expect(checkOpenRequest(await signedBy(open({ at: now + 5 * 60_000 })), expectations())).toMatchObject({ refusal: 'stale' })
    expect(checkOpenRequest({ ...good, request: { ...open(), card: '0xcafe' } }, expectations())).toMatchObject({ refusal: 'malformed' })
    expect(checkOpenRequest({ ...good, request: { ...open(), extra: 1 } }, expectations())).toMatchObject({ refusal: 'malformed' })
    expect(checkOpenRequest({ request: open(), signature: 'signed' }, expectations())).toMatchObject({ refusal: 'malformed' })
  })
})

describe('the emergency protocol\'s store request', () => {
  const expected = { keeper, peer, now }

  it('is accepted as the patient signed it for this keeper and these bytes', async () => {
    const signed = await signCardStatement(patient.identity, statement())
    expect(checkStoreRequest({ ...signed, ciphertext }, expected)).toEqual({ value: { statement: statement(), ciphertext } })
  })

  it('refuses another identity, other bytes, another keeper, an old statement, a card id too short and a card over 64 KiB', async () => {
    expect(checkStoreRequest({ ...(await signCardStatement(other.identity, statement())), ciphertext }, expected)).toMatchObject({ refusal: 'bad-signature' })
    const signed = await signCardStatement(patient.identity, statement())
    expect(checkStoreRequest({ ...signed, ciphertext: ciphertext.slice(1) }, expected)).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStoreRequest({ ...(await signCardStatement(patient.identity, statement({ keeper: other.address }))), ciphertext }, expected)).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStoreRequest({ ...(await signCardStatement(patient.identity, statement({ at: now - EMERGENCY_REQUEST_MAX_AGE_MS - 1 }))), ciphertext }, expected)).toMatchObject({ refusal: 'stale' })
    expect(checkStoreRequest({ ...(await signCardStatement(patient.identity, statement({ card: card.subarray(0, 15) }))), ciphertext }, expected)).toMatchObject({ refusal: 'malformed' })
    const big = new Uint8Array(64 * 1024 + 1)
    expect(checkStoreRequest({ ...(await signCardStatement(patient.identity, statement({ digest: ciphertextDigest(big) }))), ciphertext: big }, expected)).toMatchObject({ refusal: 'too-large' })
  })
})
