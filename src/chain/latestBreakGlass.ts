// The latest break-glass a clinician recorded for a patient, as a keeper asks before it releases
// the patient's emergency summary: the ledger's GlassBroken events filtered by both indexed
// addresses, over the last blocks only (a release needs a break-glass of minutes ago).
import { encodeEventTopics, numberToHex, pad, parseEventLogs, type Address, type RpcLog } from 'viem'
import { consentLedgerAbi } from './abi.generated.ts'
import { parseAddress } from './address.ts'
import { chainNow } from './chainNow.ts'
import { toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/** What {@link latestBreakGlass} needs: the consent ledger's address, the patient and clinician as typed, and how far back to look. */
export interface LatestBreakGlassParameters {
  ledger: Address
  patient: string
  clinician: string
  /** How many blocks back from the latest to search. Default 5,000 (over 16 hours of 12-second blocks). */
  lookbackBlocks?: bigint
}

/** A break-glass on the ledger: why (the contract's reason code), when (block time), and where. */
export interface BreakGlassRecord {
  reasonCode: number
  /** The block time of the break-glass, unix seconds. */
  time: bigint
  blockNumber: bigint
  transactionHash: `0x${string}`
}

/**
 * The clinician's newest `GlassBroken` for the patient within the last `lookbackBlocks` blocks (null
 * when there is none), and the chain's "now" (the later of the latest block's time and this
 * machine's clock, unix seconds) to judge its age against.
 *
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed address; `CHAIN_UNREACHABLE` or
 *   `TRANSACTION_FAILED` when the chain cannot be read.
 */
export async function latestBreakGlass(
  client: ChainClient,
  { ledger, patient, clinician, lookbackBlocks = 5_000n }: LatestBreakGlassParameters
): Promise<{ record: BreakGlassRecord | null; now: bigint }> {
  const patientAddress = parseAddress(patient, 'patient')
  const clinicianAddress = parseAddress(clinician, 'clinician')
  try {
    const latest = await client.getBlockNumber({ cacheTime: 0 })
    const fromBlock = latest > lookbackBlocks ? latest - lookbackBlocks : 0n
    const topics = encodeEventTopics({ abi: consentLedgerAbi, eventName: 'GlassBroken' })
    const raw: RpcLog[] = await client.request({
      method: 'eth_getLogs',
      params: [{ address: ledger, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(latest), topics: [topics[0], pad(patientAddress.toLowerCase() as Address), pad(clinicianAddress.toLowerCase() as Address)] }]
    })
    const now = await chainNow(client)
    // The node filtered by address and topics; check them again rather than trust a remote answer.
    const found = parseEventLogs({ abi: consentLedgerAbi, logs: raw, eventName: 'GlassBroken' }).filter(
      (log) => log.address.toLowerCase() === ledger.toLowerCase() && log.args.patient.toLowerCase() === patientAddress.toLowerCase() && log.args.clinician.toLowerCase() === clinicianAddress.toLowerCase()
    )
    const newest = found.reduce<(typeof found)[number] | undefined>((best, log) => (best === undefined || log.args.time > best.args.time ? log : best), undefined)
    if (newest === undefined) return { record: null, now }
    return { record: { reasonCode: newest.args.reasonCode, time: newest.args.time, blockNumber: newest.blockNumber, transactionHash: newest.transactionHash }, now }
  } catch (error) {
    throw toChainError(error, 'read the break-glass record')
  }
}
