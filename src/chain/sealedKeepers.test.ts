import { createClient, custom, encodeAbiParameters, publicActions, encodeEventTopics, pad, toHex, type EIP1193RequestFn } from 'viem'
import { describe, expect, it } from 'vitest'
import { keyRegistryAbi } from './abi.generated.ts'
import { readSealedKeepers } from './sealedKeepers.ts'
import type { ChainClient } from './client.ts'

const registry = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const patient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const other = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

/** A chain provider that says the patient's list is in block 7 and answers eth_getLogs with `logs`. */
function provider(logs: { user: string; list: `0x${string}` }[]): ChainClient {
  const request = (({ method }: { method: string }) => {
    if (method === 'eth_chainId') return Promise.resolve('0x7a69')
    if (method === 'eth_call') return Promise.resolve(pad(toHex(7)))
    if (method === 'eth_getLogs') {
      return Promise.resolve(
        logs.map(({ user, list }, i) => ({
          address: registry.toLowerCase(),
          topics: encodeEventTopics({ abi: keyRegistryAbi, eventName: 'KeepersSealed', args: { user: user as `0x${string}` } }),
          data: encodeAbiParameters([{ type: 'bytes' }], [list]),
          blockNumber: '0x7',
          blockHash: pad('0x07'),
          logIndex: toHex(i),
          transactionHash: pad(toHex(i + 1)),
          transactionIndex: toHex(i),
          removed: false
        }))
      )
    }
    return Promise.reject(new Error(`unexpected ${method}`))
  }) as unknown as EIP1193RequestFn
  return createClient({ transport: custom({ request }) }).extend(publicActions)
}

describe('reading the sealed keeper list from a provider', () => {
  it('takes the patient\'s last list in the block the registry names', async () => {
    const sealed = await readSealedKeepers(provider([{ user: patient, list: '0x0101' }, { user: patient, list: '0x0202' }]), { registry, user: patient })
    expect(sealed).toEqual(Uint8Array.of(2, 2))
  })

  it('refuses a provider that hides the list, or hands another account\'s, with a reason', async () => {
    await expect(readSealedKeepers(provider([]), { registry, user: patient })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' })
    await expect(readSealedKeepers(provider([{ user: other, list: '0x0303' }]), { registry, user: patient })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' })
  })

  it('refuses a list longer than the registry keeps', async () => {
    await expect(readSealedKeepers(provider([{ user: patient, list: toHex(new Uint8Array(1025)) }]), { registry, user: patient })).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
      message: expect.stringContaining('more than the registry keeps') as unknown
    })
  })
})
