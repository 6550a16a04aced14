// Types for the parts of @orbitdb/core 4.0 that Anamnesis uses; the package
// ships JavaScript only. Extend this file when a new part is used.
declare module '@orbitdb/core' {
  import type { EventEmitter } from 'node:events'

  /** What OrbitDB needs of the node: a started Helia with libp2p and `services.pubsub`. */
  export interface OrbitDBIpfs {
    libp2p: { peerId: unknown }
    blockstore: unknown
  }

  export interface Clock {
    id: string
    time: number
  }

  export interface LogEntry<T = unknown> {
    id: string
    payload: T
    next: string[]
    refs: string[]
    clock: Clock
    v: number
    key: string
    identity: string
    sig: string
    hash: string
    bytes: Uint8Array
  }

  export interface Operation<T = unknown> {
    op: 'ADD' | 'PUT' | 'DEL'
    key: string | null
    value: T
  }

  export interface Identity {
    id: string
    publicKey: string
    signatures: { id: string; publicKey: string }
    type: string
    hash: string
    bytes: Uint8Array
    sign?: (identity: Identity, data: string | Uint8Array) => Promise<string>
    verify?: (signature: string, publicKey: string, data: string | Uint8Array) => Promise<boolean>
  }

  export interface KeyStore {
    close(): Promise<void>
    clear(): Promise<void>
    hasKey(id: string): Promise<boolean>
  }

  export interface Identities {
    createIdentity(options?: { id?: string; provider?: unknown }): Promise<Identity>
    verifyIdentity(identity: Identity): Promise<boolean>
    getIdentity(hash: string): Promise<Identity | undefined>
    sign(identity: Identity, data: string | Uint8Array): Promise<string>
    verify(signature: string, publicKey: string, data: string | Uint8Array): Promise<boolean>
    keystore: KeyStore
  }

  export interface Storage {
    put(hash: string, data: unknown): Promise<void>
    get(hash: string): Promise<unknown>
    del(hash: string): Promise<void>
    iterator(): AsyncIterable<[string, unknown]>
    merge(other: Storage): Promise<void>
    clear(): Promise<void>
    close(): Promise<void>
  }

  export interface Log {
    id: string
    heads(): Promise<LogEntry[]>
    values(): Promise<LogEntry[]>
    get(hash: string): Promise<LogEntry | undefined>
    has(hash: string): Promise<boolean>
  }

  export interface AccessController {
    type: string
    address: string
    write: string[]
    canAppend(entry: LogEntry): Promise<boolean>
  }

  export type AccessControllerFactory = (params: { orbitdb: OrbitDB; identities: Identities; address?: string; name?: string }) => Promise<AccessController>

  export interface AccessControllerType {
    (options?: Record<string, unknown>): AccessControllerFactory
    type: string
  }

  export interface EncryptionModule {
    encrypt(value: Uint8Array): Promise<Uint8Array>
    decrypt(value: Uint8Array): Promise<Uint8Array>
  }

  export interface Encryption {
    data?: EncryptionModule
    replication?: EncryptionModule
  }

  export interface DatabaseEvents {
    update: [entry: LogEntry<Operation>]
    join: [peerId: string, heads: LogEntry[]]
    leave: [peerId: string]
    error: [error: Error]
    close: []
    drop: []
  }

  export interface Database {
    address: string
    name: string
    type: string
    identity: Identity
    meta: Record<string, unknown>
    log: Log
    access: AccessController
    peers: Set<string>
    events: EventEmitter<DatabaseEvents>
    close(): Promise<void>
    drop(): Promise<void>
  }

  export interface EventsDatabase<T = unknown> extends Database {
    type: 'events'
    add(value: T): Promise<string>
    get(hash: string): Promise<T>
    iterator(filters?: { gt?: string; gte?: string; lt?: string; lte?: string; amount?: number }): AsyncIterable<{ hash: string; value: T }>
    all(): Promise<Array<{ hash: string; value: T }>>
  }

  export interface KeyValueDatabase<T = unknown> extends Database {
    type: 'keyvalue'
    put(key: string, value: T): Promise<string>
    set(key: string, value: T): Promise<string>
    del(key: string): Promise<string>
    get(key: string): Promise<T | undefined>
    iterator(filters?: { amount?: number }): AsyncIterable<{ key: string; value: T; hash: string }>
    all(): Promise<Array<{ key: string; value: T; hash: string }>>
  }

  export interface OpenOptions {
    type?: 'events' | 'keyvalue' | 'documents' | (string & {})
    meta?: Record<string, unknown>
    sync?: boolean
    /** A database type to use instead of the one registered under `type` (which still names it in the manifest). */
    Database?: (params: never) => Promise<unknown>
    AccessController?: AccessControllerFactory
    headsStorage?: Storage
    entryStorage?: Storage
    indexStorage?: Storage
    referencesCount?: number
    encryption?: Encryption
    signal?: AbortSignal
  }

  export interface OrbitDB {
    id: string
    ipfs: OrbitDBIpfs
    directory: string
    keystore: KeyStore
    identities: Identities
    identity: Identity
    peerId: unknown
    open<T = unknown>(address: string, options: OpenOptions & { type: 'keyvalue' }): Promise<KeyValueDatabase<T>>
    open<T = unknown>(address: string, options?: OpenOptions & { type?: 'events' }): Promise<EventsDatabase<T>>
    open(address: string, options?: OpenOptions): Promise<Database>
    stop(): Promise<void>
  }

  export function createOrbitDB(params: {
    ipfs: OrbitDBIpfs
    /** A stable id, or OrbitDB makes a new identity on each start. */
    id?: string
    identity?: Identity | { provider: unknown }
    identities?: Identities
    /** Where the keystore and level storage live. Default `./orbitdb`. */
    directory?: string
  }): Promise<OrbitDB>

  export const IPFSAccessController: AccessControllerType
  export const OrbitDBAccessController: AccessControllerType
  export function useAccessController(accessController: AccessControllerType): void
  export function useIdentityProvider(provider: unknown): void
  export function isValidAddress(address: string): boolean
  export function parseAddress(address: string): { protocol: string; hash: string; address: string; toString(): string }
  export function Identities(params?: { keystore?: KeyStore; path?: string; storage?: Storage; ipfs?: OrbitDBIpfs }): Promise<Identities>
  export function useDatabaseType(database: { type: string }): void

  /** OrbitDB's entry codec: decode a block, verify an entry's signature. */
  export const Entry: {
    decode(bytes: Uint8Array): Promise<LogEntry>
    verify(identities: Pick<Identities, 'verify'>, entry: LogEntry | object): Promise<boolean>
  }

  export interface LogInstance extends Log {
    storage: Storage
    joinEntry(entry: LogEntry): Promise<boolean>
    clear(): Promise<void>
    close(): Promise<void>
  }

  /** The oplog itself, over storages the caller provides. */
  export function Log(identity: Identity, options: { logId: string; access?: { canAppend(entry: LogEntry): Promise<boolean> }; entryStorage?: Storage; headsStorage?: Storage; indexStorage?: Storage }): Promise<LogInstance>
  export function KeyStore(params?: { storage?: Storage; path?: string }): Promise<KeyStore>
  export function IPFSBlockStorage(params: { ipfs: OrbitDBIpfs; pin?: boolean; timeout?: number }): Promise<Storage>
  export function LevelStorage(params?: { path?: string; valueEncoding?: string }): Promise<Storage>
  export function LRUStorage(params?: { size?: number }): Promise<Storage>
  export function MemoryStorage(): Promise<Storage>
  export function ComposedStorage(storage1: Storage, storage2: Storage): Promise<Storage>
}

// OrbitDB's heads exchange (pubsub topic per log, /orbitdb/heads/<address> protocol). Not
// exported from the package's entry; the history log reuses it so stock peers can replicate.
declare module '@orbitdb/core/src/sync.js' {
  import type { EventEmitter } from 'node:events'
  import type { LogEntry, LogInstance, OrbitDBIpfs } from '@orbitdb/core'

  export interface SyncInstance {
    add(entry: LogEntry): Promise<void>
    start(): Promise<void>
    stop(): Promise<void>
    events: EventEmitter
    peers: Set<string>
  }

  export default function Sync(params: {
    ipfs: OrbitDBIpfs
    log: LogInstance
    events?: EventEmitter
    onSynced?: (entry: LogEntry) => Promise<void>
    start?: boolean
    timeout?: number
  }): Promise<SyncInstance>
}
