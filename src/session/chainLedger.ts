// The session's ledger and wallet over the deployment's contracts (src/chain), for the app.
import { hexToBytes, type Address, type Hex } from 'viem'
import {
  anchor,
  isGrantLive,
  mayWriteHistory,
  readAccess,
  publishEncryptionKey,
  readEncryptionKey,
  readGrants,
  readLatestAnchor,
  readSealedKeepers,
  revoke,
  toChainError,
  watchAuditTrail,
  writeSealedKeepers,
  type ConnectedWallet
} from '../chain/index.ts'
import type { SessionLedger, SessionWallet } from './sessionPorts.ts'
import type { ChainClient } from '../chain/index.ts'

export interface ChainLedgerOptions {
  client: ChainClient
  wallet: ConnectedWallet
  ledger: Address
  registry: Address
  /** Where log scans start: the block the contracts were deployed in. */
  fromBlock: bigint
}

/** The session's ledger on a deployment, writing with the connected wallet. */
export function chainLedger({ client, wallet, ledger, registry, fromBlock }: ChainLedgerOptions): SessionLedger {
  return {
    mayWriteHistory: (patient, writer) => mayWriteHistory(client, { ledger, patient, writer }),
    readGrants: (patient) => readGrants(client, { ledger, patient, fromBlock }),
    readAccess: (patient) => readAccess(client, { ledger, patient, fromBlock }),
    isGrantLive: (patient, doctor) => isGrantLive(client, { ledger, patient, doctor }),
    readLatestAnchor: (patient) => readLatestAnchor(client, { ledger, patient, fromBlock }),
    anchor: ({ root, entryCount }) => anchor(client, wallet.client, { ledger, root, entryCount }),
    readEncryptionKey: async (user) => (await readEncryptionKey(client, { registry, user }))?.key ?? null,
    readRegisteredKey: (user) => readEncryptionKey(client, { registry, user }),
    publishEncryptionKey: ({ publicKey, version }) => publishEncryptionKey(client, wallet.client, { registry, publicKey, version }),
    readSealedKeepers: (user) => readSealedKeepers(client, { registry, user }),
    sealKeepers: (sealed) => writeSealedKeepers(client, wallet.client, { registry, sealed }),
    revoke: (doctor) => revoke(client, wallet.client, { ledger, doctor }),
    watchAuditTrail: (patient, onEntries) => watchAuditTrail(client, { ledger, patient, onEntries })
  }
}

/** The connected wallet as the session's signer; a refusal becomes a ChainError saying what was asked. */
export function walletSigner(wallet: ConnectedWallet): SessionWallet {
  return {
    address: wallet.address,
    async signTypedData(data, action) {
      try {
        const signature: Hex = await wallet.client.signTypedData({ account: wallet.client.account ?? wallet.address, ...data })
        return hexToBytes(signature)
      } catch (error) {
        throw toChainError(error, action)
      }
    }
  }
}
