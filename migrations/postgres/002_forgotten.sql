-- /palaver forget deletes a conversation's stored history. The platform still has the thread, and
-- the core re-syncs it (fetchThread) before every reply; this remembers when it was forgotten so
-- messages from before that moment are not stored again. Not tied to `conversations` by a foreign
-- key: the conversation row is deleted by the forget and created again by the next message.
CREATE TABLE forgotten_conversations (
  conversation_id TEXT PRIMARY KEY,
  forgotten_at    BIGINT NOT NULL,
  forgotten_by    TEXT NOT NULL
);
