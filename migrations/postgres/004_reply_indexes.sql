-- Finishing a reply updates its parts by reply_id, and forgetting a conversation deletes its
-- replies by conversation_id: without these indexes both scan whole tables. (PostgreSQL does not
-- index a foreign key's referencing column by itself either.)
CREATE INDEX messages_by_reply ON messages (reply_id);
CREATE INDEX replies_by_conversation ON replies (conversation_id);
