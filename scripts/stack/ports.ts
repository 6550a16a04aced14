// Checks a port before a server takes it, so a clash gets a clear message naming the port.
import { createServer } from 'node:net'

export class PortInUseError extends Error {
  override name = 'PortInUseError'
  readonly port: number
  readonly what: string
  constructor(port: number, what: string) {
    super(
      `Port ${port} (${what}) is already in use. Stop whatever is using it (perhaps another 'npm start'; 'ss -ltnp "sport = :${port}"' shows which process), then try again.`
    )
    this.port = port
    this.what = what
  }
}

export async function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, what) : error))
    probe.listen(port, host, () => probe.close(() => resolve()))
  })
}

/** A port the OS reports free right now (for tests that start their own servers). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, host, () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
