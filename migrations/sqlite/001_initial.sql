-- Palaver's first schema. Ids are platform-prefixed strings (see src/types.ts).
-- Times are integer milliseconds since the epoch (UTC). Money is integer micro-dollars.

CREATE TABLE conversations (
  id           TEXT PRIMARY KEY,
  platform     TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  is_dm        INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- One row per platform message. A long reply that spans several platform messages has one row
-- per part, sharing reply_id; history merges consecutive assistant rows into one turn.
CREATE TABLE messages (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  author_id       TEXT NOT NULL,
  author_name     TEXT NOT NULL,
  author_is_bot   INTEGER NOT NULL DEFAULT 0,
  content         TEXT NOT NULL,
  attachments     TEXT,
  status          TEXT NOT NULL DEFAULT 'complete'
                  CHECK (status IN ('complete', 'streaming', 'interrupted', 'failed', 'deleted')),
  reply_id        TEXT REFERENCES replies(id) ON DELETE CASCADE,
  part            INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at);

-- One row per reply Palaver started: enough to reopen its surface after a crash.
CREATE TABLE replies (
  id                 TEXT PRIMARY KEY,
  conversation_id    TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  trigger_message_id TEXT NOT NULL,
  platform           TEXT NOT NULL,
  address            TEXT NOT NULL,
  status             TEXT NOT NULL
                     CHECK (status IN ('streaming', 'complete', 'interrupted', 'failed')),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX replies_by_status ON replies (status);

-- scope: "thread:<conversation id>", "channel:<channel id>", "workspace:<workspace id>"
CREATE TABLE settings (
  scope  TEXT NOT NULL,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE TABLE settings_audit (
  id        INTEGER PRIMARY KEY,
  scope     TEXT NOT NULL,
  key       TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  set_by    TEXT NOT NULL,
  set_at    INTEGER NOT NULL
);

-- One row per Claude request (including failed ones, with error_code set).
CREATE TABLE usage (
  id                 INTEGER PRIMARY KEY,
  request_id         TEXT,
  reply_id           TEXT,
  platform           TEXT NOT NULL,
  workspace_id       TEXT NOT NULL,
  channel_id         TEXT NOT NULL,
  conversation_id    TEXT NOT NULL,
  user_id            TEXT NOT NULL,
  model              TEXT NOT NULL,
  input_tokens       INTEGER NOT NULL DEFAULT 0,
  output_tokens      INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
  cost_micros        INTEGER,
  stop_reason        TEXT,
  ttft_ms            INTEGER,
  latency_ms         INTEGER,
  error_code         TEXT,
  created_at         INTEGER NOT NULL
);
CREATE INDEX usage_by_workspace ON usage (workspace_id, created_at);
CREATE INDEX usage_by_user ON usage (user_id, created_at);
CREATE INDEX usage_by_channel ON usage (channel_id, created_at);

-- Spending limits set at run time (environment defaults apply where no row exists).
CREATE TABLE budgets (
  scope_kind   TEXT NOT NULL CHECK (scope_kind IN ('workspace', 'channel', 'user')),
  scope_id     TEXT NOT NULL,
  period       TEXT NOT NULL CHECK (period IN ('daily', 'monthly')),
  limit_micros INTEGER NOT NULL,
  set_by       TEXT NOT NULL,
  set_at       INTEGER NOT NULL,
  PRIMARY KEY (scope_kind, scope_id, period)
);

-- Dedup of inbound events (message ids, Slack event ids). Kept 7 days: far longer than Slack's
-- retry window (~5 min) or a Discord gateway replay.
CREATE TABLE handled_events (
  key        TEXT PRIMARY KEY,
  handled_at INTEGER NOT NULL
);
