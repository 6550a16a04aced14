// Two Helia/OrbitDB nodes in Node, built by the browser's own startP2PNode,
// around the project's relay: no block served by its CID alone (a stock OrbitDB
// database gets nothing), an attached file carried over the direct WebRTC
// connection to a peer its history admits, and the relay going away and coming back.
//
// Node to node: the nodes also listen on a loopback WebSockets address and B
// dials A there directly; the relay only carries reservations, as in the
// browser. The WebRTC path (a dial of A's circuit address) needs a
// non-loopback interface, since node-datachannel offers no loopback ICE
// candidates: `npm test` runs this suite inside its private network namespace,
// which has one.
import { mkdtemp, rm } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { createOrbitDB } from '@orbitdb/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../scripts/stack/relay.ts'
import { attachmentStoreOn, startHistoryOrbit, startP2PNode } from '../../src/p2p/index.ts'
import { person } from './historyFixtures.ts'
import type { Relay } from '../../scripts/stack/relay.ts'
import type { P2PNode, P2PStatus } from '../../src/p2p/index.ts'
import type { OrbitDB } from '@orbitdb/core'

const hasNonLoopbackInterface = Object.values(networkInterfaces())
  .flat()
  .some(iface => iface != null && !iface.internal && iface.family === 'IPv4')

let dir: string
let relay: Relay
let relayPort: number
let relayKey: string
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anamnesis-p2p-'))
  relayKey = join(dir, 'relay.key')
  relay = await startRelay({ port: 0, keyFile: relayKey })
  relayPort = Number(/\/tcp\/(\d+)\//.exec(relay.multiaddr)?.[1])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await relay.stop()
  await rm(dir, { recursive: true, force: true })
})

async function startNode(name: string): Promise<P2PNode & { statuses: P2PStatus[] }> {
  const statuses: P2PStatus[] = []
  const node = await startP2PNode({
    relays: [relay.multiaddr],
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    onStatus: status => { statuses.push(status) }
  })
  cleanups.push(async () => { await node.stop() })
  expect(node.status().state, name).toBe('started')
  return Object.assign(node, { statuses })
}

async function startOrbitDB(node: P2PNode, id: string): Promise<OrbitDB> {
  const orbitdb = await createOrbitDB({ ipfs: node.helia, id, directory: join(dir, id) })
  cleanups.push(async () => { await orbitdb.stop() })
  return orbitdb
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<number> {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return Date.now() - start
}

function webSocketAddress(node: P2PNode): string {
  const addr = node.libp2p.getMultiaddrs().map(String).find(a => a.includes('/ws/') && !a.includes('/p2p-circuit'))
  if (addr == null) throw new Error('node has no WebSockets listen address')
  return addr
}

describe('p2p node and relay', () => {
  it('reserves a relay slot and advertises its circuit address', async () => {
    const a = await startNode('A')
    await waitFor('A to reserve on the relay', () => a.status().relay.state === 'reserved')
    const { relay: r } = a.status()
    expect(r.address).toBe(relay.multiaddr)
    expect(r.circuitAddress).toBe(`${relay.multiaddr}/p2p-circuit/webrtc/p2p/${a.libp2p.peerId.toString()}`)
    expect(a.status().peerId).toBe(a.libp2p.peerId.toString())
    expect(a.statuses[0]?.state).toBe('starting')
  })

  it('serves no block by its CID: B cannot even open the stock events database A holds, by its address', async () => {
    const [a, b] = await Promise.all([startNode('A'), startNode('B')])
    await b.libp2p.dial(multiaddr(webSocketAddress(a)), { signal: AbortSignal.timeout(5_000) })
    const [patient, doctor] = await Promise.all([startOrbitDB(a, 'patient'), startOrbitDB(b, 'doctor')])

    const history = await patient.open<{ n: number; text: string }>('history', { type: 'events' })
    for (let n = 0; n < 3; n++) await history.add({ n, text: `record ${n}` })

    // The manifest is a block of A's: no node hands blocks out by CID (no bitswap), so B finds none to open.
    await expect(doctor.open<{ n: number; text: string }>(history.address)).rejects.toThrow(/cannot be fetched/)
  })

  it('reports the relay going away and re-reserves when it comes back', async () => {
    const a = await startNode('A')
    await waitFor('A to reserve', () => a.status().relay.state === 'reserved')
    const circuitAddress = a.status().relay.circuitAddress

    await relay.stop()
    const lost = await waitFor('A to notice the relay is gone', () => a.status().relay.state !== 'reserved', 5_000)
    await waitFor('A to report the relay unreachable', () => a.status().relay.state === 'unreachable', 5_000)
    expect(a.status().relay.circuitAddress).toBeUndefined()

    // Down for a while: longer than libp2p's own reconnect attempts would cover alone.
    await new Promise(resolve => setTimeout(resolve, 3_000))
    const restarted = Date.now()
    relay = await startRelay({ port: relayPort, keyFile: relayKey })
    await waitFor('A to re-reserve', () => a.status().relay.state === 'reserved', 10_000)
    const recovered = Date.now() - restarted
    expect(a.status().relay.circuitAddress).toBe(circuitAddress)
    console.info(`relay loss noticed in ${lost} ms; re-reserved ${recovered} ms after the relay restarted`)
  })

  it('dials a peer through its circuit address to a direct WebRTC connection and carries an attached file over it', async () => {
    if (!hasNonLoopbackInterface) throw new Error('WebRTC between Node peers needs a non-loopback interface: run this suite through `npm test`, which provides a private network namespace')
    const [a, b] = await Promise.all([startNode('A'), startNode('B')])
    await waitFor('both to reserve', () => a.status().relay.state === 'reserved' && b.status().relay.state === 'reserved')
    const circuitAddress = a.status().relay.circuitAddress
    if (circuitAddress == null) throw new Error('A has no circuit address')

    expect(await b.dial(circuitAddress)).toEqual({ direct: true })
    const connections = b.libp2p.getConnections(a.libp2p.peerId)
    expect(connections.some(conn => conn.remoteAddr.toString().includes('/p2p-circuit/webrtc/') && conn.limits == null)).toBe(true)
    await waitFor('B to count a direct connection', () => b.status().connections.direct === 1)

    // A holds the patient's history and a file attached to it; B is a doctor the history admits.
    const [patient, doctor] = await Promise.all([person('Patient'), person('Doctor')])
    const admits = (who: string) => (wallet: string): Promise<boolean> => Promise.resolve(wallet.toLowerCase() === who)
    const patientOrbit = await startHistoryOrbit({ node: a, identity: patient.identity, canSync: admits(doctor.address) })
    const doctorOrbit = await startHistoryOrbit({ node: b, identity: doctor.identity, canSync: admits(patient.address) })
    cleanups.push(async () => { await patientOrbit.stop() }, async () => { await doctorOrbit.stop() })
    const log = await patientOrbit.openLog(patient.address)
    await doctorOrbit.openLog(patient.address)
    const sealed = Array.from({ length: 4 }, (_, i) => new Uint8Array(256 * 1024 + 16).fill(i + 1))
    const cid = await attachmentStoreOn(a, log.address).put(sealed)
    let received = 0
    for await (const piece of attachmentStoreOn(b, log.address).read(cid)) received += piece.length
    expect(received).toBe(4 * (256 * 1024 + 16))
    expect(b.status().connections.direct).toBe(1)
  })
})
