-- Nothing lost around a restart, and replies owned by the instance that runs them.
--
-- instances: one row per running Palaver process, its heartbeat refreshed every few seconds. A
-- reply or queued message whose owner's heartbeat has gone stale belongs to a dead process: a
-- live instance finishes (or answers) it; a live owner's work is never touched.
-- host and pid let a process on the same machine tell at once that an instance is gone (its
-- process no longer exists) instead of waiting for the heartbeat to go stale.
CREATE TABLE instances (
  id         TEXT PRIMARY KEY,
  host       TEXT NOT NULL,
  pid        INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL
);

-- The instance running each reply. NULL for replies started before this migration: their
-- process is gone, so they count as orphaned.
ALTER TABLE replies ADD COLUMN owner TEXT;

-- Messages accepted but not yet answered (queued behind another reply in their conversation).
-- A row leaves when its reply starts (the reply row takes over) or when it is refused; rows left
-- by a dead process are answered by the next live instance. `message` is the inbound message as
-- JSON (its text and attachments are also in `messages`, where the history reads them).
CREATE TABLE inbox (
  message_id      TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  platform        TEXT NOT NULL,
  address         TEXT NOT NULL,
  message         TEXT NOT NULL,
  owner           TEXT NOT NULL,
  received_at     INTEGER NOT NULL
);
CREATE INDEX inbox_by_owner ON inbox (owner);
CREATE INDEX replies_by_owner ON replies (owner, status);
