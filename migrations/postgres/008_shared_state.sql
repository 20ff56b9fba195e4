-- State that must hold for every Palaver instance on one database (issue #12): nothing of it
-- lives in one process's memory any more. Same tables as migrations/sqlite/008_shared_state.sql.

-- Spend per scope and UTC window, added to in the same transaction as each usage row.
CREATE TABLE spend_totals (
  scope_kind   TEXT NOT NULL CHECK (scope_kind IN ('workspace', 'channel', 'user')),
  scope_id     TEXT NOT NULL,
  period       TEXT NOT NULL CHECK (period IN ('daily', 'monthly')),
  window_start BIGINT NOT NULL,
  cost_micros  BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (scope_kind, scope_id, period, window_start)
);

-- The totals of the usage recorded so far. EXTRACT(EPOCH FROM <timestamp without time zone>)
-- reads the timestamp as UTC, so this is the UTC month's start in ms.
INSERT INTO spend_totals (scope_kind, scope_id, period, window_start, cost_micros)
SELECT kind, id, period, start, SUM(cost) FROM (
  SELECT 'workspace' AS kind, workspace_id AS id, 'daily' AS period, (created_at / 86400000) * 86400000 AS start, cost_micros AS cost FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'channel', channel_id, 'daily', (created_at / 86400000) * 86400000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'user', user_id, 'daily', (created_at / 86400000) * 86400000, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'workspace', workspace_id, 'monthly', (EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'channel', channel_id, 'monthly', (EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint, cost_micros FROM usage WHERE cost_micros IS NOT NULL
  UNION ALL SELECT 'user', user_id, 'monthly', (EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC')) * 1000)::bigint, cost_micros FROM usage WHERE cost_micros IS NOT NULL
) AS spent GROUP BY kind, id, period, start;

-- Estimates held by requests in flight, one row per request and scope ("kind:id").
CREATE TABLE reservations (
  id         TEXT NOT NULL,
  scope_key  TEXT NOT NULL,
  micros     BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (id, scope_key)
);
CREATE INDEX reservations_by_scope ON reservations (scope_key, expires_at);

-- Admitted requests per user, for PALAVER_USER_RATE's sliding window.
CREATE TABLE rate_events (
  id       TEXT PRIMARY KEY,
  user_key TEXT NOT NULL,
  at       BIGINT NOT NULL
);
CREATE INDEX rate_events_by_user ON rate_events (user_key, at);

-- One reply at a time per conversation, whichever instance got the message.
CREATE TABLE conversation_leases (
  conversation_id TEXT PRIMARY KEY,
  owner           TEXT NOT NULL,
  expires_at      BIGINT NOT NULL
);
