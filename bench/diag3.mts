import Database from "better-sqlite3";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/store/db.ts";
import { ConversationStore } from "../src/store/conversations.ts";
const db = openDatabase("/tmp/diag3.db");
console.log(db.prepare("EXPLAIN QUERY PLAN SELECT * FROM messages WHERE conversation_id = ? AND status != 'deleted' ORDER BY created_at, rowid").all("x"));
