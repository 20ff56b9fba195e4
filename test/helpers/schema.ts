// Reads a database's schema back from the engine's own catalog, in one shape for both engines, so
// a test can check that migrations/sqlite and migrations/postgres build the same thing: tables,
// columns (type family, NOT NULL, default), primary keys, foreign keys and indexes.
import { sql, type Db } from "../../src/store/sql.ts";

export interface Column {
  /** "text", "integer" or "bytes": SQLite's INTEGER and PostgreSQL's INTEGER/BIGINT are one family. */
  type: string;
  notNull: boolean;
  default: string | null;
}

export interface ForeignKey {
  column: string;
  references: string;
  onDelete: string;
}

export interface Table {
  columns: Record<string, Column>;
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

export interface Schema {
  tables: Record<string, Table>;
  /** Indexes made with CREATE INDEX (not the ones the engine makes for a key): name → "table(col, …)". */
  indexes: Record<string, string>;
}

const FAMILIES: Record<string, string> = {
  text: "text",
  integer: "integer",
  bigint: "integer",
  // SQLite's INTEGER affinity stores a fractional value as REAL (messages.created_at holds such
  // values), so PostgreSQL's floating column is the same family.
  "double precision": "integer",
  blob: "bytes",
  bytea: "bytes",
};

function family(declared: string): string {
  const f = FAMILIES[declared.toLowerCase()];
  if (!f) throw new Error(`no type family for column type ${declared}`);
  return f;
}

const byName = <T extends { column: string }>(a: T, b: T) => a.column.localeCompare(b.column);

export async function sqliteSchema(db: Db): Promise<Schema> {
  const names = await db.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  );
  const tables: Record<string, Table> = {};
  for (const { name } of names) {
    const cols = await db.all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
      sql`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(${name})`,
    );
    const fks = await db.all<{ from: string; table: string; to: string; on_delete: string }>(
      sql`SELECT "from", "table", "to", on_delete FROM pragma_foreign_key_list(${name})`,
    );
    tables[name] = {
      columns: Object.fromEntries(
        cols.map((c) => [
          c.name,
          // A key column is NOT NULL on PostgreSQL; SQLite lets a non-INTEGER key hold NULL (an
          // old quirk it keeps for compatibility) though Palaver never writes one.
          { type: family(c.type), notNull: c.notnull === 1 || c.pk > 0, default: c.dflt_value },
        ]),
      ),
      primaryKey: cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      foreignKeys: fks.map((f) => ({ column: f.from, references: `${f.table}(${f.to})`, onDelete: f.on_delete })).sort(byName),
    };
  }
  const indexRows = await db.all<{ name: string; tbl_name: string }>(
    // sqlite_autoindex_* back PRIMARY KEY / UNIQUE constraints, like PostgreSQL's *_pkey.
    sql`SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`,
  );
  const indexes: Record<string, string> = {};
  for (const ix of indexRows) {
    const cols = await db.all<{ name: string }>(sql`SELECT name FROM pragma_index_info(${ix.name}) ORDER BY seqno`);
    indexes[ix.name] = `${ix.tbl_name}(${cols.map((c) => c.name).join(", ")})`;
  }
  return { tables, indexes };
}

/** PostgreSQL writes a default with its type: `'complete'::text`; SQLite keeps `'complete'`. */
const plainDefault = (d: string | null) => (d === null ? null : d.replace(/::[a-z ]+$/, ""));

export async function postgresSchema(db: Db): Promise<Schema> {
  const cols = await db.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    sql`SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
  );
  const keys = await db.all<{ table_name: string; column_name: string }>(
    sql`SELECT k.table_name, k.column_name
        FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage k ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
        WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
        ORDER BY k.table_name, k.ordinal_position`,
  );
  const fks = await db.all<{ table_name: string; column_name: string; ref_table: string; ref_column: string; delete_rule: string }>(
    sql`SELECT k.table_name, k.column_name, u.table_name AS ref_table, u.column_name AS ref_column, r.delete_rule
        FROM information_schema.referential_constraints r
        JOIN information_schema.key_column_usage k ON k.constraint_schema = r.constraint_schema AND k.constraint_name = r.constraint_name
        JOIN information_schema.constraint_column_usage u ON u.constraint_schema = r.constraint_schema AND u.constraint_name = r.constraint_name
        WHERE r.constraint_schema = current_schema()`,
  );
  const indexRows = await db.all<{ name: string; table_name: string; columns: string }>(
    // Leaves out the indexes behind constraints (PRIMARY KEY, UNIQUE), as sqliteSchema does.
    sql`SELECT i.relname AS name, t.relname AS table_name,
               (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
                FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = current_schema()::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  );
  const tables: Record<string, Table> = {};
  for (const c of cols) {
    const table = (tables[c.table_name] ??= { columns: {}, primaryKey: [], foreignKeys: [] });
    table.columns[c.column_name] = { type: family(c.data_type), notNull: c.is_nullable === "NO", default: plainDefault(c.column_default) };
  }
  for (const k of keys) tables[k.table_name]!.primaryKey.push(k.column_name);
  for (const f of fks) {
    tables[f.table_name]!.foreignKeys.push({ column: f.column_name, references: `${f.ref_table}(${f.ref_column})`, onDelete: f.delete_rule });
  }
  for (const t of Object.values(tables)) t.foreignKeys.sort(byName);
  const indexes = Object.fromEntries(indexRows.map((ix) => [ix.name, `${ix.table_name}(${ix.columns})`]));
  return { tables, indexes };
}
