// The emergency card's figure at Node level (the browser's emergency.breakGlassToSummary.ms needs
// the Emergency screens, which come later).
//
// - emergency.breakGlassToSummary.node.ms: a clinician's Node peer (loopback WebSockets) records
//   breakGlass on a real local chain (until the receipt), then asks a keeper process (`npm run
//   keeper`) for the patient's card (one EIP-712 signature, the keeper's ledger check) and opens the
//   summary with the card's key (readEmergencySummary, as the screen will call it). Median of 5 runs,
//   a fresh break-glass each, one keeper holding the card.
//
// `node bench/breakGlass.ts` prints it; bench/run.ts adds measureBreakGlass() to its figures.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil } from '../scripts/stack/anvil.ts'
import { deployContracts } from '../scripts/stack/deploy.ts'
import { startKeeperProcess } from '../scripts/stack/keeper.ts'
import { breakGlass, createChainClient } from '../src/chain/index.ts'
import { deployerAccount, developmentAccounts } from '../src/chain/devAccounts.ts'
import { signingDomain } from '../src/crypto/index.ts'
import { enrolKeeper, type ClinicianSigner } from '../src/keeper/index.ts'
import { startHistoryOrbit, startP2PNode } from '../src/p2p/index.ts'
import { publishEmergencyCard, readEmergencySummary } from '../src/session/emergencyCard.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../test/support/walletSignatures.ts'
import type { Figures } from './figures.ts'

const RUNS = 5

export async function measureBreakGlass(): Promise<Figures> {
  const anvil = await startAnvil({ port: 0 })
  const stops: (() => Promise<unknown>)[] = [() => anvil.stop()]
  try {
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const domain = signingDomain({ origin: TEST_DOMAIN.origin, chainId: anvil.chainId, verifyingContract: contracts.keyRegistry })
    const accountOf = (label: string) => {
      const dev = developmentAccounts.find((account) => account.label === label)
      if (dev === undefined) throw new Error(`no development account labelled ${label}`)
      return privateKeyToAccount(dev.privateKey)
    }
    const patient = await walletIdentityOf(accountOf('Patient'), domain)
    const clinicianAccount = accountOf('Emergency clinician')

    const dataDir = await mkdtemp(path.join(tmpdir(), 'anamnesis-bench-emergency-'))
    stops.push(() => rm(dataDir, { recursive: true, force: true }))
    const keeper = await startKeeperProcess({ dataDir, port: 0, rpcUrl: anvil.rpcUrl, origin: domain.origin, contracts })
    stops.push(() => keeper.stop())
    const nodeOf = async () => {
      const node = await startP2PNode({ relays: [], listen: ['/ip4/127.0.0.1/tcp/0/ws'], blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
      stops.push(() => node.stop())
      return node
    }
    // The patient's node opens an orbit so the process checks identities in this deployment's domain.
    const patientNode = await nodeOf()
    const orbit = await startHistoryOrbit({ node: patientNode, identity: patient.identity })
    stops.push(() => orbit.stop())
    await enrolKeeper(patientNode, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: 1 << 20 })
    // About the size of a full summary: 12 KB of JSON.
    const summary = new TextEncoder().encode(JSON.stringify({ resourceType: 'Bundle', entry: Array.from({ length: 60 }, (_, i) => ({ resource: { resourceType: 'Condition', id: `c${i}`, code: { text: 'A condition of the patient, as the summary names it' } } })) }))
    const card = await publishEmergencyCard({ node: patientNode, keepers: [keeper.multiaddr], identity: patient.identity, patient: patient.address, summary })

    const clinicianNode = await nodeOf()
    const chain = createChainClient({ id: anvil.chainId, name: 'anvil', rpcUrl: anvil.rpcUrl })
    const wallet = createWalletClient({ account: clinicianAccount, chain: foundry, transport: http(anvil.rpcUrl) })
    const clinician: ClinicianSigner = { address: clinicianAccount.address, signTypedData: (data) => clinicianAccount.signTypedData(data) }
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now()
      await breakGlass(chain, wallet, { ledger: contracts.consentLedger, patient: patient.address, reason: 'unconscious' })
      const read = await readEmergencySummary({ node: clinicianNode, keepers: [keeper.multiaddr], cardId: card.cardId, key: card.key, patient: patient.address, clinician, domain })
      times.push(performance.now() - start)
      if (read.summary.length !== summary.length) throw new Error('the summary read back is not the one published')
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN
    return { 'emergency.breakGlassToSummary.node.ms': { value: Math.round(median), unit: 'ms' } }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}

if (import.meta.main) {
  measureBreakGlass().then(
    (figures) => {
      for (const [name, { value, unit }] of Object.entries(figures)) console.log(`${name.padEnd(38)} ${value.toLocaleString('en')} ${unit}`)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    }
  )
}
