import { describe, expect, it } from 'vitest'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { deployerAccount, developmentAccounts } from './devAccounts.ts'

const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

describe('developmentAccounts', () => {
  it.each([...developmentAccounts, deployerAccount])('$label is anvil account $index, with a matching key', (entry) => {
    expect(mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: entry.index }).address).toBe(entry.address)
    expect(privateKeyToAccount(entry.privateKey).address).toBe(entry.address)
  })

  it('gives every role its own account, apart from the deployer', () => {
    const addresses = new Set([...developmentAccounts, deployerAccount].map((a) => a.address))
    expect(addresses.size).toBe(developmentAccounts.length + 1)
  })
})
