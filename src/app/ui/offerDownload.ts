// Handing bytes the app made to the browser as a file to save.

/** Asks the browser to save `bytes` as `name` (a download) of MIME type `type`. */
export function offerDownload(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // The download has its own copy once it started; the page's URL goes a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
