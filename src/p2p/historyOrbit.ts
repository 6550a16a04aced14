// The OrbitDB instance that holds a device's history logs: the wallet-bound identity,
// the project's identity provider and access controller registered, the database type
// bound to the node, and nothing of the identity's key in OrbitDB's keystore (it stays
// empty, in memory).
import { createOrbitDB, Identities, KeyStore, MemoryStorage, useAccessController, useIdentityProvider, type OrbitDB } from '@orbitdb/core'
import { encodeBlock, parseHash } from './blocks.ts'
import { HISTORY_LOG_TYPE, historyLogName, historyLogType, type HistoryLogDatabase, type StorePulled } from './patientLog.ts'
import { P2PError } from './p2pError.ts'
import { useIdentityDomain, WalletIdentityProvider, type WalletIdentity } from './walletIdentity.ts'
import type { SigningDomain } from '../crypto/index.ts'
import { HistoryWriteAccessController, setWriteAccessPolicy, WRITE_ACCESS_TYPE, type WriteAccessPolicy } from './writeAccess.ts'
import type { P2PNode } from './node.ts'
import type { TabCoordinationOptions } from './writerLock.ts'

/**
 * Registers the project's identity provider and write access controller with OrbitDB, the
 * origin and deployment identities are checked against, and the write policy every history log
 * uses. Every peer that opens a history log calls this first (startHistoryOrbit does, with its
 * identity's domain). The database type is not registered: it needs the node, so openLog hands
 * it to OrbitDB bound to one (historyLogType).
 */
export function registerHistoryTypes(domain: SigningDomain, policy: WriteAccessPolicy = {}): void {
  useIdentityDomain(domain)
  useIdentityProvider(WalletIdentityProvider)
  useAccessController(HistoryWriteAccessController)
  setWriteAccessPolicy(policy)
}

/**
 * The OrbitDB address of `patient`'s history log, computed as OrbitDB computes it when the log is
 * opened (the manifest of its name, type and access controller), without opening it: a keeper
 * knows which of its patients a peer asks for before it opens anything.
 * @param patient - The patient's wallet address, in any case.
 */
export function historyLogAddress(patient: string): string {
  const owner = patient.toLowerCase()
  const access = encodeBlock({ type: WRITE_ACCESS_TYPE, owner })
  return `/orbitdb/${encodeBlock({ name: historyLogName(owner), type: HISTORY_LOG_TYPE, accessController: `/${WRITE_ACCESS_TYPE}/${access.hash}` }).hash}`
}

/** What startHistoryOrbit needs: the node, the device's wallet identity, and the access policy (canWrite, canSync, keyVersionOf, cacheMs). */
export interface StartHistoryOrbitOptions extends WriteAccessPolicy {
  /** The node whose stores hold the logs and whose connections replicate them. */
  node: P2PNode
  /** This device's wallet-bound identity (createWalletIdentity): it signs the entries written here. */
  identity: WalletIdentity
  /** How tabs of this browser share a log's writer; defaults to Web Locks and BroadcastChannel when there are. */
  coordination?: TabCoordinationOptions
  /** How long one pull may take before it is given up. Default 2 minutes. */
  pullTimeoutMs?: number
  /** How many entries a holder may send ahead of our acknowledgements (128 to 8,192). Default 1,024. */
  pullWindow?: number
  /** Stores entries pulled from peers (a keeper's quota); by default they are stored as they come. */
  storePulled?: StorePulled
  /** Whether each log pulls from every peer that connects directly; default true, false for a keeper (HistoryLogOptions). */
  pullOnConnect?: boolean
  /** Keep entries' outlines only, not their blocks, in memory (a keeper); entries() of its logs holds none. */
  lean?: boolean
}

/** A device's OrbitDB with the history log type: opens patients' logs, one object per open log. */
export interface HistoryOrbit {
  orbitdb: OrbitDB
  /** The identity every log opened here writes with. */
  identity: WalletIdentity
  /**
   * Opens (or creates) a patient's history log; the same log object while it is open.
   * Rejects with P2PError `INVALID_LOG` when `patient` is not a wallet address.
   */
  openLog(patient: string): Promise<HistoryLogDatabase>
  /** The address of a patient's history log, the same on every peer; opens the log, and rejects as openLog does. */
  addressOf(patient: string): Promise<string>
  /** Stops OrbitDB, closing every log opened here; the node keeps running. */
  stop(): Promise<void>
}

/**
 * Starts OrbitDB on `node` for this device's wallet identity: registers the history types with
 * the identity's domain and this policy (registerHistoryTypes) and puts the identity block in the blockstore, where peers
 * fetch it to check the entries written here.
 * @throws {P2PError} `INVALID_IDENTITY` when the identity's hash is not a dag-cbor SHA-256 CID.
 */
export async function startHistoryOrbit(options: StartHistoryOrbitOptions): Promise<HistoryOrbit> {
  const { node, identity } = options
  const policy: WriteAccessPolicy = {
    ...(options.canWrite === undefined ? {} : { canWrite: options.canWrite }),
    ...(options.canSync === undefined ? {} : { canSync: options.canSync }),
    ...(options.keyVersionOf === undefined ? {} : { keyVersionOf: options.keyVersionOf }),
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs })
  }
  registerHistoryTypes(identity.domain, policy)
  const { coordination, pullTimeoutMs, pullWindow, storePulled, pullOnConnect, lean } = options
  const Database = historyLogType({
    node,
    ...(pullOnConnect === undefined ? {} : { pullOnConnect }),
    ...(lean === undefined ? {} : { lean }),
    ...(coordination === undefined ? {} : { coordination }),
    ...(pullTimeoutMs === undefined ? {} : { pullTimeoutMs }),
    ...(pullWindow === undefined ? {} : { pullWindow }),
    ...(storePulled === undefined ? {} : { storePulled })
  })
  // Peers fetch the identity to check entries: it must be in the blockstore.
  const cid = parseHash(identity.hash)
  if (cid === undefined) throw new P2PError('INVALID_IDENTITY', 'The identity has no valid hash')
  await node.blockstore.put(cid, identity.bytes)
  const keystore = await KeyStore({ storage: await MemoryStorage() })
  const identities = await Identities({ ipfs: node.helia, keystore })
  const orbitdb = await createOrbitDB({ ipfs: node.helia, identity, identities, directory: 'anamnesis-orbitdb' })
  const open = new Map<string, Promise<HistoryLogDatabase>>()

  const openLog = (patient: string): Promise<HistoryLogDatabase> => {
    const key = patient.toLowerCase()
    let opening = open.get(key)
    if (opening === undefined) {
      opening = orbitdb.open(historyLogName(key), {
        type: HISTORY_LOG_TYPE,
        // This orbit's node, as the database type takes no node from OrbitDB's parameters.
        Database,
        // This orbit's policy, not the last one registered: tests run several devices in one process.
        AccessController: HistoryWriteAccessController({ patient: key, ...policy })
      }) as unknown as Promise<HistoryLogDatabase>
      open.set(key, opening)
      opening.then(
        (db) => db.events.once('close', () => open.delete(key)),
        () => open.delete(key)
      )
    }
    return opening
  }

  return {
    orbitdb,
    identity,
    openLog,
    addressOf: async (patient) => (await openLog(patient)).address,
    stop: async () => {
      await orbitdb.stop()
    }
  }
}
