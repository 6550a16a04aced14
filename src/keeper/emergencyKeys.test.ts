// The guardian's and the doctor's statements about emergency keys, as a keeper checks them: each is
// accepted as its sender signed it for this keeper, and refused when another wallet signed it, it
// names another keeper, it is old, or its keys are not the ones signed.
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { WRAPPED_KEY_LENGTH } from '../crypto/index.ts'
import { useIdentityDomain, type WalletAddress } from '../p2p/index.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { ciphertextDigest, EMERGENCY_REQUEST_MAX_AGE_MS } from './emergencyProtocol.ts'
import { checkHandKeys, checkTakeKeys, MAX_HANDED_KEYS, signHandKeys, signTakeKeys, type HandKeysStatement, type TakeKeysStatement } from './emergencyKeys.ts'

const account = (label: string) => privateKeyToAccount(developmentAccounts.find((a) => a.label === label)?.privateKey ?? '0x')
let guardian: Awaited<ReturnType<typeof walletIdentityOf>>
let doctor: Awaited<ReturnType<typeof walletIdentityOf>>
const patient = account('Patient').address.toLowerCase() as WalletAddress
const keeper = '0x90f79bf6eb2c4f870365e785982e1f101e93b906' as WalletAddress
const peer = '12D3KooWKeeperPeerIdForTheseTests'
const now = 1_780_000_000_000
const keys = new Uint8Array(3 * WRAPPED_KEY_LENGTH).fill(0x6b)
const expected = { keeper, peer, now }

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  guardian = await walletIdentityOf(account('Guardian'))
  doctor = await walletIdentityOf(account('Doctor'))
})

const hand = (changes: Partial<HandKeysStatement> = {}): HandKeysStatement => ({
  v: 1,
  kind: 'hand-keys',
  patient,
  guardian: guardian.address,
  doctor: doctor.address,
  keeper,
  peer,
  digest: ciphertextDigest(keys),
  at: now,
  ...changes
})
const take = (changes: Partial<TakeKeysStatement> = {}): TakeKeysStatement => ({ v: 1, kind: 'take-keys', patient, doctor: doctor.address, keeper, peer, at: now, ...changes })

describe("a guardian's hand-keys request", () => {
  it('is accepted as the guardian signed it for this keeper, with the keys it names', async () => {
    const checked = checkHandKeys({ ...(await signHandKeys(guardian.identity, hand())), keys }, expected)
    expect(checked).toEqual({ value: { statement: hand(), keys } })
  })

  it('is refused when another wallet signed it, or it names another keeper, or it is two minutes old', async () => {
    // The doctor signs a statement naming the guardian: the identity is not the guardian's.
    const why = (checked: ReturnType<typeof checkHandKeys>): string => ('why' in checked ? `${checked.refusal}: ${checked.why}` : 'accepted')
    expect(why(checkHandKeys({ ...(await signHandKeys(doctor.identity, hand())), keys }, expected))).toMatch(/^bad-signature: .*not the guardian's/)
    expect(why(checkHandKeys({ ...(await signHandKeys(guardian.identity, hand({ keeper: `0x${'ab'.repeat(20)}` }))), keys }, expected))).toMatch(/^bad-signature: .*another keeper/)
    expect(checkHandKeys({ ...(await signHandKeys(guardian.identity, hand({ at: now - EMERGENCY_REQUEST_MAX_AGE_MS - 1 }))), keys }, expected)).toMatchObject({ refusal: 'stale' })
  })

  it('is refused when the keys are not the ones signed, not whole wrapped keys, or over 64 KiB', async () => {
    const signed = await signHandKeys(guardian.identity, hand())
    const swapped = keys.slice()
    swapped[5] = (swapped[5] ?? 0) ^ 1
    expect(checkHandKeys({ ...signed, keys: swapped }, expected)).toMatchObject({ refusal: 'bad-signature', why: 'the guardian did not sign these keys' })
    expect(checkHandKeys({ ...signed, keys: keys.subarray(1) }, expected)).toMatchObject({ refusal: 'malformed' })
    expect(checkHandKeys({ ...signed, keys: new Uint8Array(0) }, expected)).toMatchObject({ refusal: 'malformed' })
    const many = new Uint8Array((Math.floor(MAX_HANDED_KEYS / WRAPPED_KEY_LENGTH) + 1) * WRAPPED_KEY_LENGTH)
    expect(checkHandKeys({ ...signed, keys: many }, expected)).toMatchObject({ refusal: 'too-large' })
  })

  it('is refused when it hands the keys to the guardian or the patient, or carries other fields', async () => {
    expect(checkHandKeys({ ...(await signHandKeys(guardian.identity, hand({ doctor: guardian.address }))), keys }, expected)).toMatchObject({ refusal: 'malformed' })
    expect(checkHandKeys({ ...(await signHandKeys(guardian.identity, hand({ doctor: patient }))), keys }, expected)).toMatchObject({ refusal: 'malformed' })
    const extra = { ...hand(), note: 'x' } as HandKeysStatement
    expect(checkHandKeys({ ...(await signHandKeys(guardian.identity, extra)), keys }, expected)).toEqual({ refusal: 'malformed', why: 'the statement has other fields than a hand-keys statement' })
  })
})

describe("a doctor's take-keys request", () => {
  it('is accepted as the doctor signed it, and refused when the guardian signed it in their name or for another keeper', async () => {
    expect(checkTakeKeys(await signTakeKeys(doctor.identity, take()), expected)).toEqual({ value: take() })
    expect(checkTakeKeys(await signTakeKeys(guardian.identity, take()), expected)).toMatchObject({ refusal: 'bad-signature' })
    expect(checkTakeKeys(await signTakeKeys(doctor.identity, take({ peer: '12D3KooWAnotherKeeper' })), expected)).toMatchObject({ refusal: 'bad-signature' })
    // A hand-keys statement is no take-keys statement, even signed by the doctor.
    const asHand = await signHandKeys(doctor.identity, hand({ guardian: doctor.address, doctor: guardian.address }))
    expect(checkTakeKeys(asHand, expected)).toMatchObject({ refusal: 'malformed' })
  })
})
