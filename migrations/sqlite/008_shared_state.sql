-- State that must hold for every Palaver instance on one database (issue #12): nothing of it
-- lives in one process's memory any more.

-- Spend per scope and UTC window, added to in the same transaction as each usage row, so a
-- budget check reads one row per window instead of summing a month of usage.
CREATE TABLE spend_totals (
  scope_kind   TEXT NOT NULL CHECK (scope_kind IN ('workspace', 'channel', 'user')),
  scope_id     TEXT NOT NULL,
  period       TEXT NOT NULL CHECK (period IN ('daily', 'monthly')),
  window_start INTEGER NOT NULL,
  cost_micros  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope_kind, scope_id, period, window_start)
);

-- The totals of the usage recorded so far (UTC day and month starts, in ms).
INSERT INTO spend_totals (scope_kind, scope_id, period, window_start, cost_micros)
SELECT kind, id, period, start, SUM(cost) FROM (
  SELECT 'workspace' AS kind, workspace_id AS id, 'daily' AS period, (created_at / 86400000) * 86400000 AS start, cost_micros AS cost FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'channel', channel_id, 'daily', (created_at / 86400000) * 86400000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'user', user_id, 'daily', (created_at / 86400000) * 86400000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'workspace', workspace_id, 'monthly', CAST(strftime('%s', created_at / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'channel', channel_id, 'monthly', CAST(strftime('%s', created_at / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'user', user_id, 'monthly', CAST(strftime('%s', created_at / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
) GROUP BY kind, id, period, start;

-- Estimates held by requests in flight, one row per request and scope ("kind:id"). Checked and
-- inserted in one transaction; deleted when the request's usage is recorded. A row outlives a
-- crashed instance only until expires_at.
CREATE TABLE reservations (
  id         TEXT NOT NULL,
  scope_key  TEXT NOT NULL,
  micros     INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (id, scope_key)
);
CREATE INDEX reservations_by_scope ON reservations (scope_key, expires_at);

-- Admitted requests per user, for PALAVER_USER_RATE's sliding window.
CREATE TABLE rate_events (
  id       TEXT PRIMARY KEY,
  user_key TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX rate_events_by_user ON rate_events (user_key, at);

-- One reply at a time per conversation, whichever instance got the message.
CREATE TABLE conversation_leases (
  conversation_id TEXT PRIMARY KEY,
  owner           TEXT NOT NULL,
  expires_at      INTEGER NOT NULL
);
