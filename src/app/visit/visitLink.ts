// The visit link: the app's address with the invite in the fragment's join route, which the
// patient's page shows as a link and a QR code.

/** The route that opens an invite, as the app's router knows it. */
export const JOIN_ROUTE = '/visit/join/'

/** The link a patient shows: `appAddress` is the app's origin and path, without a fragment. */
export function visitLink(appAddress: string, encodedInvite: string): string {
  return `${appAddress}#${joinPath(encodedInvite)}`
}

/** The router path that opens the join screen for an invite. */
export function joinPath(encodedInvite: string): string {
  return `${JOIN_ROUTE}${encodedInvite}`
}
