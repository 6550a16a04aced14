// Reads the invite out of a visit link that was scanned or pasted. Only the invite is kept, so a
// link made by the patient's copy of the app (any origin, any IPFS gateway path) opens in the
// doctor's own copy.
import { decodeVisitInvite, VisitInviteError } from '../../p2p/index.ts'
import { JOIN_ROUTE } from './visitLink.ts'

export type VisitLinkErrorCode =
  /** Nothing but whitespace. */
  | 'EMPTY'
  /** Not a link to this app's join route. */
  | 'NOT_A_VISIT_LINK'
  /** A link to the join route whose invite cannot be read. */
  | 'INVITE_MALFORMED'

export type VisitLinkReading = { ok: true; invite: string } | { ok: false; code: VisitLinkErrorCode; message: string }

const notAVisitLink: VisitLinkReading = {
  ok: false,
  code: 'NOT_A_VISIT_LINK',
  message: `This is not an Anamnesis visit link: a visit link ends in #${JOIN_ROUTE} and the invite. Ask the patient to send it again.`
}

/**
 * The invite in a whole visit link or in its `#/visit/join/…` fragment alone. Whitespace
 * anywhere is dropped: a link wrapped across lines by a mail client still reads. Checks the
 * invite's shape, not its expiry, which the join screen reports.
 */
export function readVisitLink(text: string): VisitLinkReading {
  const compact = text.replace(/\s+/g, '')
  if (compact === '') return { ok: false, code: 'EMPTY', message: 'Paste the visit link the patient sent you.' }
  let fragment: string
  if (compact.startsWith('#')) fragment = compact
  else {
    try {
      fragment = new URL(compact).hash
    } catch {
      return notAVisitLink
    }
  }
  const invite = /^#\/visit\/join\/([^/?#]*)\/?$/.exec(fragment)?.[1]
  if (invite === undefined) return notAVisitLink
  try {
    decodeVisitInvite(invite)
  } catch (error) {
    if (error instanceof VisitInviteError) return { ok: false, code: 'INVITE_MALFORMED', message: error.message }
    throw error
  }
  return { ok: true, invite }
}
