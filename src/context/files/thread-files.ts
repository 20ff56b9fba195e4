// Files shared earlier in a thread, before Palaver was first mentioned in it: the thread sync
// brings their messages into the store, and their files are downloaded and stored then, once,
// like the files of a message Palaver answers (ingest.ts). Messages already held keep their files.
import type { Logger } from "../../runtime/log.ts";
import type { ThreadMessage } from "../../types.ts";
import type { AttachmentRef, AttachmentStore } from "../../store/attachments.ts";
import type { ConversationStore } from "../../store/conversations.ts";
import { describeError } from "../../errors.ts";
import { ingestAttachments } from "./ingest.ts";

/**
 * Earlier messages whose files are downloaded, newest first. Older files would mostly be left out
 * of the request anyway (the API's per-request limits keep the newest), and each download costs
 * the platform a request and the database the bytes.
 */
export const MAX_EARLIER_FILE_MESSAGES = 10;

export interface ThreadFilesDeps {
  conversations: ConversationStore;
  blobs: AttachmentStore;
  logger: Logger;
}

/** References to store with the thread's messages that are new to the store, by message id. */
export async function earlierThreadFiles(
  deps: ThreadFilesDeps,
  conversationId: string,
  thread: ThreadMessage[],
  now: number,
): Promise<Map<string, AttachmentRef[]>> {
  const forgottenAt = await deps.conversations.forgottenAt(conversationId);
  const candidates = thread
    .filter((m) => m.fetchAttachments !== undefined && !m.author.isMe && m.createdAt > forgottenAt)
    .sort((a, b) => b.createdAt - a.createdAt);
  const files = new Map<string, AttachmentRef[]>();
  for (const m of candidates) {
    if (files.size >= MAX_EARLIER_FILE_MESSAGES) break;
    if (await deps.conversations.get(m.id)) continue;
    try {
      const refs = await ingestAttachments(await m.fetchAttachments!(), deps.blobs, now);
      if (refs.length > 0) files.set(m.id, refs);
    } catch (err) {
      // The message is still stored with its text; its files are simply not there.
      deps.logger.warn({ err: describeError(err), message: m.id }, "could not store the files of an earlier thread message");
    }
  }
  return files;
}
