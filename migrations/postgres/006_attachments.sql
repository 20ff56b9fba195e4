-- Attachment bytes live apart from message rows, once per distinct content (sha256 of the bytes).
-- messages.attachments now holds small JSON references ({name, kind, hash, …}); a thread sync
-- reads message rows without reading any file, and a file shared twice is stored once.
-- `rejected` is set when Claude refused these bytes (a 400 naming them): later turns leave them out
-- instead of failing again, so one bad file cannot break a thread for good.
-- SQLite's BLOB is BYTEA here; node-postgres reads it back as a Buffer, as better-sqlite3 does.
CREATE TABLE attachment_blobs (
  hash       TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  size       BIGINT NOT NULL,
  bytes      BYTEA NOT NULL,
  rejected   TEXT,
  created_at BIGINT NOT NULL
);

-- Web searches Claude ran for a request (usage.server_tool_use.web_search_requests), billed
-- per search on top of tokens.
ALTER TABLE usage ADD COLUMN web_search_requests BIGINT NOT NULL DEFAULT 0;
