-- Finishing a reply updates its parts by reply_id, and forgetting a conversation deletes its
-- replies by conversation_id: without these indexes both scan whole tables (measured in
-- bench/core: 48 ms per reply on a 200k-message database, 0.5 s to forget one conversation).
CREATE INDEX messages_by_reply ON messages (reply_id);
CREATE INDEX replies_by_conversation ON replies (conversation_id);
