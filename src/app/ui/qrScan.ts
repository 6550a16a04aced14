// Reads a QR code from one camera frame. Loaded only when the doctor starts scanning: the
// decoder is about as large as the rest of the Visit page.
import decodeQR from 'qr/decode.js'

/** RGBA pixels, row by row: a canvas's ImageData has this shape. */
export interface Frame {
  data: Uint8ClampedArray | Uint8Array
  width: number
  height: number
}

/** The text of the QR code in the frame, or undefined when none can be read in it. */
export function readQrCode(frame: Frame): string | undefined {
  if (!Number.isSafeInteger(frame.width) || !Number.isSafeInteger(frame.height) || frame.width <= 0 || frame.height <= 0) {
    throw new RangeError(`A frame needs a positive width and height, not ${frame.width}×${frame.height}`)
  }
  if (frame.data.length !== frame.width * frame.height * 4) {
    throw new RangeError(`A ${frame.width}×${frame.height} RGBA frame has ${frame.width * frame.height * 4} bytes, not ${frame.data.length}`)
  }
  try {
    return decodeQR(frame)
  } catch (error) {
    // The decoder throws a TypeError or RangeError for input it cannot take, which the checks above
    // rule out, and a plain Error when the frame holds no readable code: a miss, the next frame may do.
    if (error instanceof TypeError || error instanceof RangeError) throw error
    return undefined
  }
}
