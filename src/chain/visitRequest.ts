// A doctor's request to open a patient's history is signed by the doctor's wallet, so the
// patient's app knows which address asks (the name beside it is only self-declared).
// The message binds the invite's token, the patient and the doctor's device.
import { getAddress, recoverMessageAddress, type Hex, type WalletClient } from 'viem'
import { getCode } from 'viem/actions'
import { parseAddress } from './address.ts'
import { ChainError, toChainError } from './ChainError.ts'
import type { ChainClient } from './client.ts'

/**
 * What a doctor's request to open a patient's history binds: the invite's token, the patient's
 * address and the doctor's device.
 */
export interface VisitRequestTerms {
  token: string
  patient: string
  /** The peer id of the doctor's browser, as the patient's browser sees the connection. */
  doctorPeer: string
}

/**
 * The text a doctor's wallet signs to ask for access: it names the patient (checksummed), the
 * invite and the device, and says that signing sends no transaction.
 *
 * @throws {InvalidAddressError} From viem, when `patient` is not an address.
 */
export function visitRequestMessage({ token, patient, doctorPeer }: VisitRequestTerms): string {
  return [
    'Anamnesis: request to open a patient\'s history',
    '',
    'Signing asks the patient to grant you access. It sends no transaction.',
    '',
    `Patient: ${getAddress(patient)}`,
    `Invite: ${token}`,
    `Device: ${doctorPeer}`
  ].join('\n')
}

/**
 * Signs a request to open a patient's history with the connected doctor's wallet, so the
 * patient's app knows which address asks.
 *
 * @returns The signature over {@link visitRequestMessage}.
 * @throws {ChainError} `WALLET_UNAVAILABLE` without a connected account, `WALLET_REJECTED` when
 *   the doctor declines to sign, or what else the wallet reports.
 */
export async function signVisitRequest(walletClient: WalletClient, terms: VisitRequestTerms): Promise<Hex> {
  const account = walletClient.account
  if (account === undefined) throw new ChainError('WALLET_UNAVAILABLE', 'Connect a wallet to ask for access.')
  try {
    return await walletClient.signMessage({ account, message: visitRequestMessage(terms) })
  } catch (error) {
    throw toChainError(error, 'sign the request for access')
  }
}

/**
 * Who signed a doctor's request: `account` when a plain account's signature recovers to the doctor
 * (checked here, trusting no RPC), `contract-wallet` when the doctor's address is a contract wallet
 * (ERC-1271) that accepts it (only the chain's RPC can say so: the app says so too), undefined
 * when neither holds.
 */
export type VisitRequestSigner = 'account' | 'contract-wallet'

/**
 * Checks that `signature` is `doctor`'s over these terms.
 *
 * @returns How it was checked ({@link VisitRequestSigner}), or undefined when it is not the doctor's.
 * @throws {ChainError} `INVALID_ADDRESS` for a malformed doctor address, and `CHAIN_UNREACHABLE`
 *   or `TRANSACTION_FAILED` when the chain cannot be asked about a contract wallet.
 */
export async function verifyVisitRequest(client: ChainClient, { doctor, signature, ...terms }: VisitRequestTerms & { doctor: string; signature: Hex }): Promise<VisitRequestSigner | undefined> {
  const address = parseAddress(doctor, 'doctor')
  const message = visitRequestMessage(terms)
  const recovered = await recoverMessageAddress({ message, signature }).catch(() => undefined)
  if (recovered !== undefined && recovered.toLowerCase() === address.toLowerCase()) return 'account'
  try {
    const code = await getCode(client, { address })
    if (code === undefined || code === '0x') return undefined
    const { verifyContractWalletMessage } = await import('./contractWalletSignature.ts')
    return (await verifyContractWalletMessage(client, address, message, signature)) ? 'contract-wallet' : undefined
  } catch (error) {
    throw toChainError(error, "check the doctor's signature")
  }
}
