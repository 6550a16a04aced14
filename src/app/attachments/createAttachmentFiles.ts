// The attached files of the history open here, on this device's p2p node: undefined until both
// are there (the session's attachment code loads on first use, off the first screen).
import { createMemo, createResource, type Accessor } from 'solid-js'
import { loadAttachments, type AttachmentFiles, type AttachmentHistory } from '../../session/index.ts'
import { useApp } from '../shell/AppContext.ts'

export function createAttachmentFiles(history: Accessor<AttachmentHistory | undefined>): Accessor<AttachmentFiles | undefined> {
  const app = useApp()
  const [module] = createResource(loadAttachments)
  return createMemo(() => {
    const node = app.p2pNode()
    const open = history()
    const attachments = module()
    return node === undefined || open === undefined || attachments === undefined ? undefined : attachments.attachmentFilesOn(node, open)
  })
}
