import { createClient, custom, type EIP1193RequestFn } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { ChainClient } from './client.ts'
import { verifyVisitRequest, visitRequestMessage } from './visitRequest.ts'

const doctor = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())
const terms = { token: 'dG9rZW4', patient: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', doctorPeer: '12D3KooWDoctorDevice' }

/** A client whose RPC answers as `answer` says, counting what it is asked. */
function rpc(answer: (method: string) => unknown): { client: ChainClient; asked: string[] } {
  const asked: string[] = []
  const request = (({ method }: { method: string }) => {
    asked.push(method)
    return Promise.resolve(answer(method))
  }) as EIP1193RequestFn
  const client = createClient({ chain: { id: 31337, name: 'Local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } }, transport: custom({ request }) })
  return { client: client as unknown as ChainClient, asked }
}

describe("checking a doctor's signed request", () => {
  it("checks a plain account's signature here, asking the RPC nothing", async () => {
    const { client, asked } = rpc(() => {
      throw new Error('no RPC should be asked')
    })
    const signature = await doctor.signMessage({ message: visitRequestMessage(terms) })
    expect(await verifyVisitRequest(client, { ...terms, doctor: doctor.address, signature })).toBe('account')
    expect(asked).toEqual([])
  })

  it("refuses a request signed by another wallet in the doctor's name, when the doctor's address is a plain account", async () => {
    const { client } = rpc((method) => (method === 'eth_getCode' ? '0x' : undefined))
    const signature = await stranger.signMessage({ message: visitRequestMessage(terms) })
    expect(await verifyVisitRequest(client, { ...terms, doctor: doctor.address, signature })).toBeUndefined()
  })

  it('says so when only the RPC vouches for it, as a contract wallet', async () => {
    // An RPC that says the address holds code and that the wallet accepts any signature.
    const { client } = rpc((method) => (method === 'eth_getCode' ? '0x6080' : method === 'eth_call' ? `0x${'0'.repeat(63)}1` : undefined))
    const signature = await stranger.signMessage({ message: visitRequestMessage(terms) })
    expect(await verifyVisitRequest(client, { ...terms, doctor: doctor.address, signature })).toBe('contract-wallet')
  })
})
