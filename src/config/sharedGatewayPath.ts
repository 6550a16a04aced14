// Whether the page is served through a path gateway (https://<gateway>/ipfs/<cid>/): there every
// site on the gateway shares one origin, and with it the origin's IndexedDB, so any of them could
// use the keys the app keeps. The app's own address is a DNSLink domain or a subdomain gateway's.

// The first segment after /ipfs/ or /ipns/ is the content's CID or the name it is published under;
// case is ignored, as a gateway that accepts /IPFS/ shares its origin just the same.
const GATEWAY_PATH = /^\/(ipfs|ipns)\/([^/]+)/i

/**
 * The shared path gateway prefix a page is served under (`/ipfs/<cid>` or `/ipns/<name>`), or
 * undefined when its path has none. A gateway cannot be told from its host name, so any such
 * prefix counts, unless the deployment's config says the gateway is its own (`dedicatedGateway`).
 */
export function sharedGatewayPath(pathname: string): string | undefined {
  const match = GATEWAY_PATH.exec(pathname)
  return match === null ? undefined : `/${match[1] ?? ''}/${match[2] ?? ''}`
}
