-- Lookups the admin features make often (the same indexes as migrations/sqlite/003).
-- The gate estimates a request's cost from the conversation's previous request (src/admission/gate.ts)
-- before every Claude call: without this index that lookup scans the whole usage table.
CREATE INDEX usage_by_conversation ON usage (conversation_id, id);
-- Usage reports by user show each person's latest display name (src/usage/report.ts).
CREATE INDEX messages_by_author ON messages (author_id, created_at);
