import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './index.ts'

const valid = {
  chain: { id: 31337, name: 'Local chain (anvil)', rpcUrl: 'http://127.0.0.1:8545' },
  contracts: { keyRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3', consentLedger: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
  relays: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWAbc'],
  iceServers: []
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
    [{ ...valid, iceServers: [{ url: 'stun:x' }] }, 'iceServers must be a list of { urls } objects']
  ])('names the field that is wrong: %j', (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError)
    expect(() => parseConfig(input)).toThrow(message)
  })
})
