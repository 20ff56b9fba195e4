// A database that has been in use for a while: many conversations, replies and usage rows, so the
// overhead bench can show which per-reply queries grow with the database (a full scan shows up
// here and not on a fresh file). Filled through the stores, in one transaction.
import { ConversationStore } from "../../src/store/conversations.ts";
import { ReplyStore } from "../../src/store/replies.ts";
import { UsageStore } from "../../src/store/usage.ts";
import { execute } from "../../test/helpers/db.ts";
import type { Db } from "../../src/store/sql.ts";

export const AGED_CONVERSATIONS = 20_000;
/** Question + answer pairs per conversation: 200,000 stored messages in all. */
export const AGED_TURNS = 5;

export async function seedAgedDatabase(db: Db): Promise<void> {
  const text = "An ordinary message of a few sentences, about as long as people write in a work chat. ".repeat(3);
  const start = Date.now() - 90 * 86_400_000;
  await db.transaction(async (tx) => {
    const conversations = new ConversationStore(tx);
    const replies = new ReplyStore(tx);
    const usage = new UsageStore(tx);
    for (let c = 0; c < AGED_CONVERSATIONS; c++) {
      const id = `console:aged:${c}`;
      const at = start + c * 300_000;
      await conversations.ensureConversation({ id, platform: "console", workspaceId: "console:bench", channelId: "console:bench:general", isDM: false }, at);
      for (let t = 0; t < AGED_TURNS; t++) {
        const question = `${id}:q${t}`;
        const replyId = `${id}:r${t}`;
        await conversations.upsert(id, { id: question, author: { id: "console:ada", displayName: "Ada", isBot: false, isMe: false }, text, createdAt: at + t * 2 }, at);
        await replies.create({ id: replyId, conversationId: id, triggerMessageId: question, platform: "console", address: "console:aged" }, at);
        await conversations.insertPart({ id: `${id}:a${t}`, conversationId: id, replyId, part: 0, authorId: "console:palaver", authorName: "Palaver", content: text, status: "complete", createdAt: at + t * 2 + 1 });
        await usage.record({ replyId, platform: "console", workspaceId: "console:bench", channelId: "console:bench:general", conversationId: id, userId: "console:ada", model: "claude-sonnet-4-6", inputTokens: 900, outputTokens: 150, cacheWriteTokens: 100, cacheReadTokens: 800, costMicros: 5_000, latencyMs: 2_000, createdAt: at + t * 2 + 1 });
      }
    }
    // Settled in one statement: ReplyStore.finish per reply is itself one of the slow paths measured.
    await execute(tx, "UPDATE replies SET status = 'complete'");
  });
}
