import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './index.ts'

const valid = {
  chain: { id: 31337, name: 'Local chain (anvil)', rpcUrl: 'http://127.0.0.1:8545' },
  contracts: { keyRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', consentLedger: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
  relays: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWAbc'],
  iceServers: []
}

// Anvil's first funded test account, as the local stack's config.json names it.
const patient = {
  label: 'Patient',
  address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
}

describe('parseConfig', () => {
  it('accepts a complete deployment config', () => {
    expect(parseConfig(valid)).toEqual(valid)
  })

  it('fills in what may be left out: a chain name, no relays, no ICE servers', () => {
    const config = parseConfig({ chain: { id: 10, rpcUrl: 'https://rpc.example' }, contracts: valid.contracts })
    expect(config.chain.name).toBe('Chain 10')
    expect(config.relays).toEqual([])
    expect(config.iceServers).toEqual([])
  })

  it.each([
    [null, 'the file must hold a JSON object'],
    [{ ...valid, chain: undefined }, 'chain is missing'],
    [{ ...valid, contracts: { ...valid.contracts, deploymentBlock: -1 } }, 'contracts.deploymentBlock must be a block number'],
    [{ ...valid, chain: { ...valid.chain, id: '31337' } }, 'chain.id must be a positive integer'],
    [{ ...valid, chain: { ...valid.chain, rpcUrl: 'not a url' } }, 'chain.rpcUrl is not a valid URL'],
    [{ ...valid, chain: { ...valid.chain, rpcUrl: 'ftp://x' } }, 'chain.rpcUrl must be an http(s) or ws(s) URL'],
    [{ ...valid, contracts: { ...valid.contracts, keyRegistry: '0x1234' } }, 'contracts.keyRegistry must be a contract address'],
    [{ ...valid, contracts: { keyRegistry: valid.contracts.keyRegistry } }, 'contracts.consentLedger must be a contract address'],
    [{ ...valid, contracts: { ...valid.contracts, consentLedger: 'ledger' } }, 'contracts.consentLedger must be a contract address'],
    [{ ...valid, contracts: { ...valid.contracts, consentLedger: valid.contracts.keyRegistry } }, 'contracts.consentLedger must differ from contracts.keyRegistry'],
    [{ ...valid, relays: ['127.0.0.1:9090'] }, 'relays must be a list of multiaddrs'],
    [{ ...valid, iceServers: [{ url: 'stun:x' }] }, 'iceServers must be a list of { urls } objects'],
    [{ ...valid, keepers: '/ip4/127.0.0.1/tcp/9092/ws/p2p/12D3KooWKeep' }, 'keepers must be a list of multiaddrs'],
    [{ ...valid, keepers: ['/ip4/127.0.0.1/tcp/9092/ws'] }, "keepers must be a list of multiaddrs ending in the keeper's peer id"],
    [{ ...valid, dedicatedGateway: 'yes' }, 'dedicatedGateway must be true or false'],
    [{ ...valid, developmentAccounts: patient }, 'developmentAccounts must be a list'],
    [{ ...valid, developmentAccounts: [{ ...patient, label: ' ' }] }, 'developmentAccounts[0].label must name the account'],
    [{ ...valid, developmentAccounts: [{ ...patient, address: '0x1234' }] }, 'developmentAccounts[0].address must be an address'],
    [{ ...valid, developmentAccounts: [{ ...patient, privateKey: patient.privateKey.slice(0, 64) }] }, 'developmentAccounts[0].privateKey must be a private key']
  ])('names the field that is wrong: %j', (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError)
    expect(() => parseConfig(input)).toThrow(message)
  })

  it('keeps the keepers a deployment offers; without the field, it offers none', () => {
    const keepers = ['/ip4/127.0.0.1/tcp/9092/ws/p2p/12D3KooWKeep']
    expect(parseConfig({ ...valid, keepers })).toEqual({ ...valid, keepers })
    expect(parseConfig(valid).keepers).toBeUndefined()
  })

  it('keeps the development accounts and a dedicated gateway the local stack names', () => {
    expect(parseConfig({ ...valid, dedicatedGateway: true, developmentAccounts: [patient] })).toEqual({ ...valid, dedicatedGateway: true, developmentAccounts: [patient] })
  })

  it('refuses development accounts on any chain but the local one: their keys would be served to every visitor', () => {
    const sepolia = { ...valid, chain: { ...valid.chain, id: 11155111 }, developmentAccounts: [patient] }
    expect(() => parseConfig(sepolia)).toThrow(ConfigError)
    expect(() => parseConfig(sepolia)).toThrow('developmentAccounts are for the local chain (31337) only')
  })
})
