-- A request whose stream broke or was cut short never got its final usage event: its output
-- tokens are estimated from the text received. Marked so reports and audits can tell (a 0/1
-- flag, INTEGER as on SQLite).
ALTER TABLE usage ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0;
