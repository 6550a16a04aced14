// Anvil's funded test accounts (mnemonic "test test test test test test test test test test test junk"),
// labelled by the role they play in local development. Public keys for the local chain only: never fund them elsewhere.
import type { Address, Hex } from 'viem'

/** One of anvil's funded test accounts, with the role it plays in local development. */
export interface DevelopmentAccount {
  /** The account's index in anvil's default mnemonic. */
  index: number
  /** The role this account plays in demos and tests. */
  label: string
  address: Address
  privateKey: Hex
}

/** Anvil's accounts 0 to 6, one per person in local development: two patients, three doctors, an emergency clinician and a guardian. */
export const developmentAccounts: readonly DevelopmentAccount[] = [
  {
    index: 0,
    label: 'Patient',
    address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
  },
  {
    index: 1,
    label: 'Doctor',
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
  },
  {
    index: 2,
    label: 'Emergency clinician',
    address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    privateKey: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
  },
  {
    index: 3,
    label: 'Guardian',
    address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    privateKey: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
  },
  {
    index: 4,
    label: 'Second doctor',
    address: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
    privateKey: '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a'
  },
  {
    index: 5,
    label: 'Second patient',
    address: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
    privateKey: '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
  },
  {
    index: 6,
    label: 'Third doctor',
    address: '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
    privateKey: '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e'
  }
]

/**
 * Anvil's account 9, kept apart for deploying the contracts: the people's accounts
 * keep their nonces, and the first deployment on a fresh chain lands at the same address every time.
 */
export const deployerAccount: DevelopmentAccount = {
  index: 9,
  label: 'Deployer',
  address: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
  privateKey: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6'
}
