// The keeper's figures.
//
// - keeper.replicate1000.ms: a patient's Node peer (memory storage, loopback WebSockets) holding
//   1,000 records enrols a fresh keeper process (`npm run keeper`, LevelDB on disk, a real local
//   chain): from the enrolment call until the keeper logs that it holds all 1,000 entries. Median
//   of 3 runs, a new keeper each time. The browser's figure (WebRTC aside, the same protocol) is for
//   the e2e step.
//
// `node bench/keeper.ts` prints them; bench/run.ts adds measureKeeper() to its figures.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { privateKeyToAccount } from 'viem/accounts'
import { startAnvil } from '../scripts/stack/anvil.ts'
import { deployContracts } from '../scripts/stack/deploy.ts'
import { startKeeperProcess } from '../scripts/stack/keeper.ts'
import { deployerAccount, developmentAccounts } from '../src/chain/devAccounts.ts'
import { firstEpochKeyring, signingDomain } from '../src/crypto/index.ts'
import { openPatientHistory } from '../src/history/index.ts'
import { enrolKeeper } from '../src/keeper/index.ts'
import { startHistoryOrbit, startP2PNode } from '../src/p2p/index.ts'
import { bloodPressureSeries } from '../test/fixtures/recordFixtures.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../test/support/walletSignatures.ts'
import { median, type Figures } from './figures.ts'

const RECORDS = 1000
const RUNS = 3

export async function measureKeeper(): Promise<Figures> {
  const anvil = await startAnvil({ port: 0 })
  const stops: (() => Promise<unknown>)[] = [() => anvil.stop()]
  try {
    const contracts = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const domain = signingDomain({ origin: TEST_DOMAIN.origin, chainId: anvil.chainId, verifyingContract: contracts.keyRegistry })
    const dev = developmentAccounts.find((account) => account.label === 'Patient')
    if (dev === undefined) throw new Error('no development patient')
    const patient = await walletIdentityOf(privateKeyToAccount(dev.privateKey), domain)

    const node = await startP2PNode({ relays: [], listen: ['/ip4/127.0.0.1/tcp/0/ws'], blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    stops.push(() => node.stop())
    const keepers = new Set<string>()
    const orbit = await startHistoryOrbit({ node, identity: patient.identity, canSync: (wallet) => Promise.resolve(keepers.has(wallet)) })
    stops.push(() => orbit.stop())
    const log = await orbit.openLog(patient.address)
    const history = openPatientHistory({ log, keyring: firstEpochKeyring(patient.keys.encryption.secretKey, patient.address) })
    await history.addMany(bloodPressureSeries(patient.address, RECORDS))
    if (log.entries().length !== RECORDS) throw new Error(`the patient wrote ${log.entries().length} entries, not ${RECORDS}`)

    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'anamnesis-bench-keeper-'))
      const keeper = await startKeeperProcess({ dataDir, port: 0, rpcUrl: anvil.rpcUrl, origin: domain.origin, contracts })
      try {
        keepers.add(keeper.address)
        await node.libp2p.dial(multiaddr(keeper.multiaddr))
        const start = performance.now()
        await enrolKeeper(node, keeper.multiaddr, { identity: patient.identity, patient: patient.address, quota: 1 << 30 })
        await keeper.waitForLine(new RegExp(`holding ${RECORDS} entries`), 120_000)
        times.push(performance.now() - start)
      } finally {
        await keeper.stop()
        await node.hangUp(keeper.peerId).catch(() => undefined)
        await rm(dataDir, { recursive: true, force: true })
      }
    }
    return { 'keeper.replicate1000.ms': { value: Math.round(median(times)), unit: 'ms' } }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}

if (import.meta.main) {
  measureKeeper().then(
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
