// What connecting to a keeper does for the patient's own history: it syncs the log, and names the
// attached files the records name, so the keeper copies those it lacks. The keepers model connects
// at enrolment and at every check, so a copy that failed is tried again at the next one.
import { peerIdOfAddress, type PatientLog } from '../p2p/index.ts'
import type { KeeperClient } from './keepers.ts'

/**
 * `client`, whose connect also syncs the history with the keeper: this device pulls what the keeper
 * holds, and the keeper, hearing the sync protocol, pulls what it lacks (a keeper the list did not
 * name yet when it first tried was refused then). Then it names the history's attached files.
 */
export function syncingWith(client: KeeperClient, log: Pick<PatientLog, 'syncWith'>, files: () => Promise<readonly { cid: string; bytes: number }[]>): KeeperClient {
  return {
    ...client,
    async connect(address) {
      await client.connect(address)
      await log.syncWith(peerIdOfAddress(address) ?? address, { joinRunning: true })
      // The files the records name follow the records: the keeper fetches those it lacks from this device.
      const named = await files()
      if (named.length > 0) await client.keepFiles?.(address, named)
    }
  }
}
