// A clinician opens a card's full tier: the break-glass transaction on the ledger first (public, and
// the patient sees it), then the keeper the card's link names releases the sealed summary, which the
// card's key opens on this device. Each step's failure is said in words; a keeper that failed after
// the break-glass was recorded may be asked again without recording another (the keeper accepts a
// break-glass for some minutes).
import { createSignal, type Accessor } from 'solid-js'
import { breakGlass, type BreakGlassReason } from '../../chain/index.ts'
import { cardIdOf, readSummary, type CardLink, type ReadSummary } from '../../emergency/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { loadEmergencyCard, walletSigner } from '../../session/index.ts'
import { appSigningDomain } from '../session/appSigningDomain.ts'
import type { AppStore } from '../shell/createAppStore.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'

export type BreakGlassStep =
  | { step: 'idle' }
  | { step: 'recording' }
  | { step: 'reading' }
  | { step: 'opened'; summary: ReadSummary; keeper: `0x${string}`; brokenAt: number; reasonCode: number }
  | { step: 'failed'; error: string; recorded: boolean }

export interface BreakGlassModel {
  step: Accessor<BreakGlassStep>
  /** Whether a wallet is connected: without one only the offline tier can be read. */
  hasWallet: Accessor<boolean>
  /** Records the break-glass with `reason`, then reads the summary from the card's keeper. */
  open(reason: BreakGlassReason): Promise<void>
  /** Asks the keeper again after a failure that followed a recorded break-glass. */
  retry(): Promise<void>
}

/** Break-glass for the card whose link is `link`, as the clinician's connected wallet. */
export function createBreakGlass(app: AppStore, link: CardLink): BreakGlassModel {
  const [step, setStep] = createSignal<BreakGlassStep>({ step: 'idle' })

  const read = async (): Promise<void> => {
    const context = ledgerContext(app)
    const node = app.p2pNode()
    if (context === undefined || node === undefined) {
      setStep({ step: 'failed', error: "The break-glass is recorded, but this app's network is not up yet to reach the patient's keeper: try again in a moment.", recorded: true })
      return
    }
    setStep({ step: 'reading' })
    try {
      const { readEmergencySummary } = await loadEmergencyCard()
      const signer = walletSigner(context.wallet)
      const released = await readEmergencySummary({
        node,
        keepers: [link.keeper],
        cardId: cardIdOf(link.key),
        key: link.key,
        patient: link.patient,
        clinician: { address: signer.address, signTypedData: (data) => signer.signTypedData(data, 'sign your request for the emergency summary') },
        domain: appSigningDomain(context)
      })
      setStep({ step: 'opened', summary: readSummary(released.summary), keeper: released.keeper, brokenAt: released.brokenAt, reasonCode: released.reasonCode })
    } catch (error) {
      setStep({ step: 'failed', error: `The full summary could not be opened: ${errorMessage(error)}`, recorded: true })
    }
  }

  return {
    step,
    hasWallet: () => ledgerContext(app) !== undefined,
    async open(reason) {
      const context = ledgerContext(app)
      if (context === undefined) {
        setStep({ step: 'failed', error: 'Opening the full summary needs a wallet, to record your access on the ledger: connect one in Settings.', recorded: false })
        return
      }
      setStep({ step: 'recording' })
      try {
        await app.writes.track(() => breakGlass(context.client, context.wallet.client, { ledger: context.ledger, patient: link.patient, reason }))
      } catch (error) {
        setStep({ step: 'failed', error: `Your emergency access was not recorded, so nothing was opened: ${errorMessage(error)}`, recorded: false })
        return
      }
      await read()
    },
    retry: read
  }
}
