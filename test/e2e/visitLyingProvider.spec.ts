// The patient's app reads the chain through a provider that lies: a JSON-RPC proxy in this test
// (loopback only) forwards everything to the local chain but answers the key registry's keyOf for
// the doctor with a key of its own. The doctor signed their real key into the request, so the
// patient's app sees the two differ, refuses with the reason on the approval card, and grants and
// wraps nothing; the doctor's screen says so too.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { createPublicClient, decodeFunctionData, encodeFunctionResult, http, type Address, type Hex } from 'viem'
import { consentLedgerAbi, keyRegistryAbi } from '../../src/chain/abi.generated.ts'
import { askForAccess, connectBrowserWallet, fundedAccount, stackConfig, startVisit, twoPeoplesPages, useConfig } from './fixtures.ts'

interface RpcCall {
  jsonrpc: '2.0'
  id: number | string
  method: string
  params?: unknown[]
}

/** A JSON-RPC provider on loopback that forwards to `upstream`, but for `keyOf(victim)` on `registry` answers `key`. */
async function lyingProvider(upstream: string, registry: Address, victim: Address, key: Hex): Promise<{ url: string; lies: () => number; stop: () => Promise<void> }> {
  let lies = 0
  const asksKeyOfVictim = (call: RpcCall): boolean => {
    if (call.method !== 'eth_call') return false
    const [request] = (call.params ?? []) as [{ to?: string; data?: Hex; input?: Hex }]
    const data = request.data ?? request.input
    if (request.to?.toLowerCase() !== registry.toLowerCase() || data === undefined) return false
    try {
      const { functionName, args } = decodeFunctionData({ abi: keyRegistryAbi, data })
      return functionName === 'keyOf' && args[0].toLowerCase() === victim.toLowerCase()
    } catch {
      return false
    }
  }
  const answer = async (call: RpcCall): Promise<unknown> => {
    if (asksKeyOfVictim(call)) {
      lies++
      return { jsonrpc: '2.0', id: call.id, result: encodeFunctionResult({ abi: keyRegistryAbi, functionName: 'keyOf', result: [key, 1] }) }
    }
    const response = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) })
    return await response.json()
  }
  const server: Server = createServer((request, response) => {
    // The app's page is on another port: answer its CORS preflight as the node does.
    response.setHeader('access-control-allow-origin', '*')
    response.setHeader('access-control-allow-headers', 'content-type')
    response.setHeader('access-control-allow-methods', 'POST, OPTIONS')
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end()
      return
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as RpcCall | RpcCall[]
        const answers = await Promise.all((Array.isArray(body) ? body : [body]).map(answer))
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(body) ? answers : answers[0]))
      })().catch((error: unknown) => response.writeHead(502).end(String(error)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    lies: () => lies,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

test("a chain provider that substitutes the doctor's key: the patient's app refuses, says why, and wraps nothing", async () => {
  test.setTimeout(120_000)
  const config = stackConfig()
  const [patientAccount, doctorAccount] = await Promise.all([fundedAccount(), fundedAccount()])
  const provider = await lyingProvider(config.chain.rpcUrl, config.contracts.keyRegistry, doctorAccount.address, `0x${'ee'.repeat(32)}`)
  const { patient, doctor, close } = await twoPeoplesPages()
  try {
    // The patient's app reads the chain through the lying provider; their wallet sends its own transactions.
    await useConfig(patient, { ...config, chain: { ...config.chain, rpcUrl: provider.url } })
    await Promise.all([connectBrowserWallet(patient, 'Patient Wallet', patientAccount.privateKey), connectBrowserWallet(doctor, 'Doctor Wallet', doctorAccount.privateKey)])
    const link = await startVisit(patient)

    await doctor.goto(link)
    await askForAccess(doctor, 'Dr Rosalind Franklin')

    const request = patient.getByRole('region', { name: 'Request from Dr Rosalind Franklin' })
    await expect(request.getByRole('alert')).toHaveText(
      "The key the doctor signed does not match the key registered for them: the chain's provider may be lying. Nothing was shared with them.",
      { timeout: 60_000 }
    )
    await expect(request.getByRole('status')).toHaveText('Refused by this app, for the reason below: nothing was granted or shared, and the doctor was told.')
    await expect(request.getByRole('button', { name: 'Approve' })).toHaveCount(0)
    expect(provider.lies()).toBeGreaterThan(0)

    await expect(doctor.getByRole('alert')).toContainText("the encryption key you signed is not the one the chain's provider returns for you")
    await expect(doctor.getByText(/^Access granted/)).toHaveCount(0)
    // Nothing was granted: the patient lists no one, and the ledger holds no grant to the doctor.
    await expect(patient.getByRole('region', { name: 'Who has access now' })).not.toContainText(`${doctorAccount.address.slice(0, 6)}…${doctorAccount.address.slice(-4)}`)
    const chain = createPublicClient({ transport: http(config.chain.rpcUrl) })
    const [expiry] = await chain.readContract({ address: config.contracts.consentLedger, abi: consentLedgerAbi, functionName: 'grantOf', args: [patientAccount.address, doctorAccount.address] })
    expect(expiry).toBe(0n)
  } finally {
    await close()
    await provider.stop()
  }
})
