import { createClient, createWalletClient, custom, type EIP1193RequestFn, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { ChainClient } from './client.ts'
import { signVisitRequest, verifyVisitRequest, VISIT_REQUEST_PURPOSE, visitRequestTypedData, type VisitRequestDomain, type VisitRequestTerms } from './visitRequest.ts'

const doctor = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())
const domain: VisitRequestDomain = { chainId: 31337, verifyingContract: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' }
const terms: VisitRequestTerms = {
  origin: 'https://anamnesis.example',
  token: '00112233445566778899aabbccddeeff',
  patient: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  doctorPeer: '12D3KooWDoctorDevice',
  encryptionKey: `0x${'d0'.repeat(32)}`
}

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

/** An RPC that says every address is a plain account. */
const plainAccounts = (): ChainClient => rpc((method) => (method === 'eth_getCode' ? '0x' : undefined)).client

const signed = (signer = doctor, signedDomain = domain, signedTerms = terms): Promise<Hex> => signer.signTypedData(visitRequestTypedData(signedDomain, signedTerms))

describe("the doctor's request as typed data", () => {
  it('names the deployment in its domain, and the purpose, origin, patient, invite, device and key in its message', () => {
    expect(visitRequestTypedData(domain, terms)).toEqual({
      domain: { name: 'Anamnesis', version: '1', chainId: 31337, verifyingContract: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
      types: { VisitRequest: expect.any(Array) as unknown },
      primaryType: 'VisitRequest',
      message: {
        purpose: 'Ask this patient to open their history to you. Signing sends no transaction.',
        origin: 'https://anamnesis.example',
        patient: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
        invite: '0x00112233445566778899aabbccddeeff',
        device: '12D3KooWDoctorDevice',
        encryptionKey: `0x${'d0'.repeat(32)}`
      }
    })
    expect(VISIT_REQUEST_PURPOSE).toContain('sends no transaction')
  })

  it('refuses terms that are not what they say: a token that is not 16 bytes, a key that is not 32', () => {
    expect(() => visitRequestTypedData(domain, { ...terms, token: 'dG9rZW4' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => visitRequestTypedData(domain, { ...terms, encryptionKey: '0xd0d0' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => visitRequestTypedData(domain, { ...terms, patient: '0x123' })).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }))
  })

  it("is signed through the wallet's eth_signTypedData_v4, and what it signs verifies", async () => {
    const asked: { method: string; params: unknown }[] = []
    const wallet = createWalletClient({
      account: doctor.address,
      transport: custom({
        request: async ({ method, params }: { method: string; params: unknown }) => {
          asked.push({ method, params })
          const [, json] = params as [string, string]
          return await doctor.signTypedData(JSON.parse(json) as Parameters<typeof doctor.signTypedData>[0])
        }
      })
    })
    const signature = await signVisitRequest(wallet, domain, terms)
    expect(asked.map((a) => a.method)).toEqual(['eth_signTypedData_v4'])
    expect(await verifyVisitRequest(plainAccounts(), domain, { ...terms, doctor: doctor.address, signature })).toBe('account')
  })
})

describe("checking a doctor's signed request", () => {
  it("checks a plain account's signature here, asking the RPC nothing", async () => {
    const { client, asked } = rpc(() => {
      throw new Error('no RPC should be asked')
    })
    expect(await verifyVisitRequest(client, domain, { ...terms, doctor: doctor.address, signature: await signed() })).toBe('account')
    expect(asked).toEqual([])
  })

  it("refuses a request signed by another wallet in the doctor's name, when the doctor's address is a plain account", async () => {
    expect(await verifyVisitRequest(plainAccounts(), domain, { ...terms, doctor: doctor.address, signature: await signed(stranger) })).toBeUndefined()
  })

  it.each([
    ['another origin (a copy of the app elsewhere)', domain, { ...terms, origin: 'https://anamnesis.example.evil' }],
    ['another chain', { ...domain, chainId: 1 }, terms],
    ['another consent contract (another deployment)', { ...domain, verifyingContract: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' as const }, terms],
    ['another encryption key', domain, { ...terms, encryptionKey: `0x${'66'.repeat(32)}` as const }],
    ['another invite', domain, { ...terms, token: 'ffeeddccbbaa99887766554433221100' }],
    ['another patient', domain, { ...terms, patient: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }],
    ['another device', domain, { ...terms, doctorPeer: '12D3KooWSomeoneElse' }]
  ])("refuses the doctor's own signature made for %s", async (_, signedDomain, signedTerms) => {
    const signature = await signed(doctor, signedDomain, signedTerms)
    expect(await verifyVisitRequest(plainAccounts(), domain, { ...terms, doctor: doctor.address, signature })).toBeUndefined()
  })

  it('says so when only the RPC vouches for it, as a contract wallet', async () => {
    // An RPC that says the address holds code and that the wallet accepts any signature.
    const { client } = rpc((method) => (method === 'eth_getCode' ? '0x6080' : method === 'eth_call' ? `0x${'0'.repeat(63)}1` : undefined))
    expect(await verifyVisitRequest(client, domain, { ...terms, doctor: doctor.address, signature: await signed(stranger) })).toBe('contract-wallet')
  })
})
