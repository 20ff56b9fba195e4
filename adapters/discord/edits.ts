// Edits and deletions on Discord → the stored history. Read from the raw gateway packets rather
// than discord.js's messageUpdate/messageDelete events, which fire only for messages still in its
// cache (after a restart, none are).
import { GatewayDispatchEvents, type APIMessage, type Client, type GatewayDispatchPayload } from "discord.js";
import type { BotApi } from "../../src/types.ts";
import type { DiscordHistory } from "./history.ts";
import { messageId } from "./ids.ts";
import { cachedNames, fromApi, isConversational, toThreadMessage } from "./normalize.ts";

export async function onRawPacket(client: Client<true>, bot: BotApi, history: DiscordHistory, packet: GatewayDispatchPayload): Promise<void> {
  switch (packet.t) {
    case GatewayDispatchEvents.MessageUpdate: {
      const d = packet.d as Partial<APIMessage> & { guild_id?: string };
      // An update without content (an embed unfurled) changes nothing we store.
      if (typeof d.content !== "string" || !d.author || d.id === undefined || d.channel_id === undefined) return;
      const guildId = d.guild_id ?? null;
      const m = fromApi({ mentions: [], attachments: [], type: 0, timestamp: new Date().toISOString(), ...d } as APIMessage, guildId);
      history.edited(m.id, m.content);
      // Palaver's own edits are its streaming; the core keeps its own copy of those.
      if (m.author.id === client.user.id || !isConversational(m.type)) return;
      const edited = toThreadMessage(m, client.user.id, cachedNames(client, guildId));
      await bot.messageEdited(edited.id, edited.text);
      return;
    }
    case GatewayDispatchEvents.MessageDelete: {
      const d = packet.d;
      history.deleted(d.id);
      await bot.messageDeleted(messageId({ guildId: d.guild_id ?? null, channelId: d.channel_id, messageId: d.id }));
      return;
    }
    case GatewayDispatchEvents.MessageDeleteBulk: {
      const d = packet.d;
      for (const id of d.ids) {
        history.deleted(id);
        await bot.messageDeleted(messageId({ guildId: d.guild_id ?? null, channelId: d.channel_id, messageId: id }));
      }
      return;
    }
    default:
      return;
  }
}
