import { sha256 } from '@noble/hashes/sha2.js'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { useIdentityDomain, type WalletAddress } from '../p2p/index.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { checkLinkRequest, LINK_REQUEST_MAX_AGE_MS, MAX_LINK_FILE, passcodeDigest, signLinkStatement, type LinkStatement } from './linkProtocol.ts'

const account = (label: string) => privateKeyToAccount(developmentAccounts.find((a) => a.label === label)?.privateKey ?? '0x')
let patient: Awaited<ReturnType<typeof walletIdentityOf>>
let other: Awaited<ReturnType<typeof walletIdentityOf>>
const keeper = '0x90f79bf6eb2c4f870365e785982e1f101e93b906' as WalletAddress
const peer = '12D3KooWKeeperPeerIdForTheseTests'
const now = 1_780_000_000_000
const file = new TextEncoder().encode('eyJhbGciOiJkaXIifQ..aaaa.bbbb.cccc')
const expected = { keeper, peer, now }

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  patient = await walletIdentityOf(account('Patient'))
  other = await walletIdentityOf(account('Doctor'))
})

const statement = (changes: Partial<LinkStatement> = {}): LinkStatement => ({
  v: 1,
  kind: 'link-store',
  patient: patient.address,
  keeper,
  peer,
  link: new Uint8Array(32).fill(9),
  digest: sha256(file),
  passcode: new Uint8Array(0),
  expires: 0,
  at: now,
  ...changes
})

describe('checking a link request', () => {
  it('takes a store the patient signed for this keeper, with the passcode its statement names', async () => {
    const signed = await signLinkStatement(patient.identity, statement({ passcode: passcodeDigest('heron-4417') }))
    const checked = checkLinkRequest({ ...signed, file, passcode: 'heron-4417' }, 'link-store', expected)
    expect('value' in checked && checked.value.passcode).toBe('heron-4417')
  })

  it.each([
    ['another passcode than the statement names', async () => ({ ...(await signLinkStatement(patient.identity, statement({ passcode: passcodeDigest('heron-4417') }))), file, passcode: 'other-code' }), 'bad-signature'],
    ['a passcode the statement does not name', async () => ({ ...(await signLinkStatement(patient.identity, statement())), file, passcode: 'heron-4417' }), 'malformed'],
    ['a passcode of 3 characters', async () => ({ ...(await signLinkStatement(patient.identity, statement({ passcode: passcodeDigest('abc') }))), file, passcode: 'abc' }), 'malformed'],
    ['another file than the one signed', async () => ({ ...(await signLinkStatement(patient.identity, statement())), file: new Uint8Array(10) }), 'bad-signature'],
    ['a statement signed by someone else', async () => ({ ...(await signLinkStatement(other.identity, statement())), file }), 'bad-signature'],
    ['a statement for another keeper', async () => ({ ...(await signLinkStatement(patient.identity, statement({ peer: '12D3KooWAnother' }))), file }), 'bad-signature'],
    ['an old statement', async () => ({ ...(await signLinkStatement(patient.identity, statement({ at: now - LINK_REQUEST_MAX_AGE_MS - 1 }))), file }), 'stale'],
    ['a link already expired', async () => ({ ...(await signLinkStatement(patient.identity, statement({ expires: now / 1000 - 1 }))), file }), 'malformed'],
    ['a file over 4 MiB', async () => ({ ...(await signLinkStatement(patient.identity, statement())), file: new Uint8Array(MAX_LINK_FILE + 1) }), 'too-large'],
    ['no signature', async () => ({ statement: (await signLinkStatement(patient.identity, statement())).statement, file }), 'malformed'],
    ['a deactivation statement sent as a store', async () => ({ ...(await signLinkStatement(patient.identity, statement({ kind: 'link-deactivate', digest: new Uint8Array(0) }))), file }), 'malformed']
  ])('refuses a store with %s', async (_, make, reason) => {
    const checked = checkLinkRequest(await make(), 'link-store', expected)
    expect('refusal' in checked && checked.refusal).toBe(reason)
  })
})
