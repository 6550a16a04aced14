// Every blockstore we run against the one interface-blockstore suite: MemoryBlockstore as
// the reference, the browser's IndexedDB store (fake-indexeddb here) and the keeper's LevelDB
// store in a temporary folder.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { LevelBlockstore } from 'blockstore-level'
import { IDBFactory } from 'fake-indexeddb'
import { afterAll } from 'vitest'
import { IndexedDbBlockstore } from '../../src/p2p/indexedDbBlockstore.ts'
import { blockstoreConformance } from './blockstoreConformance.ts'

blockstoreConformance('MemoryBlockstore (the reference)', {
  open: () => Promise.resolve(new MemoryBlockstore()),
  close: () => Promise.resolve()
})

const factories = new WeakMap<IndexedDbBlockstore, IDBFactory>()
const openIndexedDb = async (location: string, factory: IDBFactory): Promise<IndexedDbBlockstore> => {
  const store = new IndexedDbBlockstore(location, factory)
  factories.set(store, factory)
  await store.open()
  return store
}
blockstoreConformance('IndexedDbBlockstore', {
  open: () => openIndexedDb('anamnesis/blocks', new IDBFactory()),
  close: (store) => store.close(),
  reopen: (closed) => {
    const factory = factories.get(closed)
    if (factory === undefined) throw new Error('This store was not opened by the suite')
    return openIndexedDb(closed.location, factory)
  }
})

const folders: string[] = []
const openLevel = async (folder: string): Promise<LevelBlockstore> => {
  const store = new LevelBlockstore(folder)
  await store.open()
  return store
}
blockstoreConformance('LevelBlockstore (the keeper)', {
  open: async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'anamnesis-blocks-'))
    folders.push(folder)
    return openLevel(folder)
  },
  close: (store) => store.close(),
  reopen: (closed) => openLevel(closed.db.location)
})
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })))
})
