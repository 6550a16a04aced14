import { bytesToHex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { deriveWalletKeys, keyDerivationTypedData, type WalletTypedData } from '../crypto/index.ts'
import { FAKE_DOMAIN, fakeWallet } from './sessionFakes.ts'
import { SessionError } from './SessionError.ts'
import type { SessionWallet } from './sessionPorts.ts'
import { matchesRegistered, requireRegisteredKeys, signForKeys } from './walletKeys.ts'

const patient = fakeWallet(0)
const otherKey = developmentAccounts[2]?.privateKey
if (otherKey === undefined) throw new Error('no development account 2')

/** A wallet that shows the patient's address but signs with another account's key. */
function walletSigningAs(privateKey: `0x${string}`): SessionWallet {
  const signer = privateKeyToAccount(privateKey)
  return { address: patient.address, signTypedData: async (data: WalletTypedData) => hexToBytes(await signer.signTypedData(data)) }
}

describe('signForKeys', () => {
  it('asks for the typed data of the version given and derives the keys from its signature', async () => {
    const wallet = fakeWallet(0)
    const keys = await signForKeys(wallet, FAKE_DOMAIN, 3)
    expect(JSON.parse(wallet.signed[0] ?? '{}')).toMatchObject({ keyVersion: 3, origin: FAKE_DOMAIN.origin, account: wallet.address })
    const account = privateKeyToAccount(developmentAccounts[0]?.privateKey ?? '0x')
    const expected = deriveWalletKeys(hexToBytes(await account.signTypedData(keyDerivationTypedData({ domain: FAKE_DOMAIN, account: wallet.address, version: 3 }))))
    expect(keys).toEqual(expected)
    expect(keys).not.toEqual(await signForKeys(wallet, FAKE_DOMAIN, 4))
  })

  it('refuses a signature from another account than the connected one, saying so', async () => {
    const attempt = signForKeys(walletSigningAs(otherKey), FAKE_DOMAIN, 1)
    await expect(attempt).rejects.toBeInstanceOf(SessionError)
    await expect(attempt).rejects.toMatchObject({ code: 'WRONG_SIGNER', message: expect.stringMatching(/not from the connected account 0xf39F…2266: the wallet signed with another account, 0x3c44…93bc/i) as unknown })
  })

  it('refuses a signature that recovers to no account', async () => {
    const broken: SessionWallet = { address: patient.address, signTypedData: () => Promise.resolve(new Uint8Array(65)) }
    await expect(signForKeys(broken, FAKE_DOMAIN, 1)).rejects.toMatchObject({ code: 'WRONG_SIGNER', message: expect.stringContaining('no account this app can recognise') as unknown })
  })
})

describe('requireRegisteredKeys', () => {
  it('passes keys that are the registered ones, and a first unlock with nothing registered', async () => {
    const keys = await signForKeys(fakeWallet(0), FAKE_DOMAIN, 1)
    const registered = { key: bytesToHex(keys.encryption.publicKey), version: 1 }
    expect(matchesRegistered(keys, registered)).toBe(true)
    expect(matchesRegistered(keys, { ...registered, key: registered.key.toUpperCase().replace('0X', '0x') as `0x${string}` })).toBe(true)
    expect(() => requireRegisteredKeys(keys, registered, patient.address)).not.toThrow()
    expect(() => requireRegisteredKeys(keys, null, patient.address)).not.toThrow()
  })

  it('stops on keys that are not the registered ones, and explains what can cause it', async () => {
    const here = await signForKeys(fakeWallet(0), FAKE_DOMAIN, 1)
    const elsewhere = await signForKeys(fakeWallet(0), { ...FAKE_DOMAIN, origin: 'https://copy.example' }, 1)
    const registered = { key: bytesToHex(here.encryption.publicKey), version: 1 }
    expect(() => requireRegisteredKeys(elsewhere, registered, patient.address)).toThrow(SessionError)
    let thrown: unknown
    try {
      requireRegisteredKeys(elsewhere, registered, patient.address)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'KEY_MISMATCH' })
    const message = (thrown as Error).message
    expect(message).toMatch(/not the encryption key registered for 0xf39f…2266 \(key version 1\), so nothing was opened and nothing was published/)
    expect(message).toMatch(/does not sign the same way each time/)
    expect(message).toMatch(/another account/)
    expect(message).toMatch(/another address \(origin\) or deployment/)
  })
})
