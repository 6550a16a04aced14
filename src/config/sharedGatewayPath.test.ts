import { describe, expect, it } from 'vitest'
import { sharedGatewayPath } from './index.ts'

describe('sharedGatewayPath', () => {
  it.each([
    ['/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/', '/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'],
    ['/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG/index.html', '/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'],
    ['/ipns/anamnesis.example.org/', '/ipns/anamnesis.example.org'],
    ['/IPFS/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/', '/IPFS/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'],
    ['/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8', '/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8']
  ])('finds the gateway prefix of %s', (pathname, prefix) => {
    expect(sharedGatewayPath(pathname)).toBe(prefix)
  })

  it.each(['/', '/index.html', '/anamnesis/', '/app/ipfs/bafy/', '/ipfs/', '/ipfs', '/ipfsx/bafy/'])('sees no gateway in %s', (pathname) => {
    expect(sharedGatewayPath(pathname)).toBeUndefined()
  })
})
