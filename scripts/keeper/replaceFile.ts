// How the keeper's file stores write: beside the file, synced, then renamed over it, so a keeper killed
// mid-write leaves the old content or the new one, never half of either.
import { open, rename } from 'node:fs/promises'

/** Writes `bytes` beside `file` and renames it over: the old content leaves the folder whole. */
export async function replaceFile(file: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${file}.new`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
}
