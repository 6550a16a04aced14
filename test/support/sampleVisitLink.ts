// A visit link as the app makes them, for the tests of the code that draws and reads it: an
// IPFS gateway path, a real relay circuit address, and a patient on the local chain.
import { createVisitInvite, encodeVisitInvite } from '../../src/p2p/visitInvite.ts'
import { visitLink } from '../../src/app/visit/visitLink.ts'

export const sampleVisitLink = visitLink(
  'https://ipfs.example/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/',
  encodeVisitInvite(
    createVisitInvite({
      addresses: ['/ip4/10.233.0.1/tcp/39091/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf/p2p-circuit/webrtc/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'],
      patient: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      chainId: 31337
    })
  )
)
