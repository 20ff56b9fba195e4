// The deployment files (Dockerfile, compose files, systemd unit) cannot be run here: no container
// engine or systemd runs on the machines that run these tests. So they are checked statically:
// they parse, they have the parts the README promises, and every environment variable they name
// is one Palaver reads (src/runtime/config.ts, documented in .env.example and the README).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { ENVIRONMENT_VARIABLES } from "../src/runtime/config.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Variable names .env.example lists, set or commented out (`# NAME=`). */
function envExampleNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

const KNOWN = new Set([...ENVIRONMENT_VARIABLES, ...envExampleNames(read(".env.example"))]);

/** `${NAME}`, `${NAME:?msg}`, `${NAME:-default}`, `$NAME` as compose interpolates them. */
function interpolated(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? m[2]!);
}

/** `process.env.NAME` in inline scripts (the HEALTHCHECK's). */
function processEnvNames(text: string): string[] {
  return [...text.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, with `\` continuations joined and comments dropped. */
function dockerInstructions(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const m = /^([A-Za-z]+)\s+(.*)$/.exec(line);
      assert.ok(m, `a Dockerfile instruction: ${line}`);
      return { keyword: m[1]!.toUpperCase(), args: m[2]! };
    });
}

/** Names set by `ENV K=V K2=V2` or `ENV K V`. */
function envInstructionNames(args: string): string[] {
  if (!args.includes("=")) return [args.split(/\s+/)[0]!];
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!);
}

interface Unit {
  sections: Map<string, [string, string][]>;
}

/** systemd's INI-like unit syntax (systemd.syntax(7)): [Section], Key=Value, # or ; comments. */
function parseUnit(text: string): Unit {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && current, `a Key=Value line inside a section: ${line}`);
    current.push([kv[1]!, kv[2]!]);
  }
  return { sections };
}

function unknown(names: Iterable<string>, known: Set<string> = KNOWN): string[] {
  return [...new Set(names)].filter((n) => !known.has(n)).sort();
}

function composeEnvironment(service: { environment?: unknown }): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((item: string) => [item.split("=")[0]!, item.slice(item.indexOf("=") + 1)]));
  }
  assert.equal(typeof env, "object", "environment is a map or a list");
  return env as Record<string, string>;
}

interface ComposeFile {
  services: Record<string, { build?: unknown; image?: string; environment?: unknown; volumes?: string[]; env_file?: unknown }>;
  volumes?: Record<string, unknown>;
}

function loadCompose(file: string): { doc: ComposeFile; text: string } {
  const text = read(file);
  // Compose applies YAML merge keys (`<<: *anchor`), so the checks see services as compose does.
  const doc = parseYaml(text, { merge: true }) as ComposeFile;
  assert.equal(typeof doc?.services, "object", `${file} has services`);
  return { doc, text };
}

/**
 * Names a compose file uses that are not Palaver's: the Palaver service's environment keys must be
 * Palaver's; an interpolated ${VAR} may also be one the file hands to another service (the
 * database container's own POSTGRES_PASSWORD).
 */
function composeUnknowns(doc: ComposeFile, text: string): { service: string[]; interpolated: string[] } {
  const palavers = palaverServices(doc);
  const others = new Set(
    Object.entries(doc.services)
      .filter(([name]) => !palavers.includes(name))
      .flatMap(([, s]) => Object.keys(composeEnvironment(s))),
  );
  return {
    service: unknown(palavers.flatMap((name) => Object.keys(composeEnvironment(doc.services[name]!)))),
    interpolated: unknown(interpolated(text), new Set([...KNOWN, ...others])),
  };
}

/** The services that run Palaver: `palaver`, or built from this Dockerfile (directly or through a YAML merge key). */
function palaverServices(doc: ComposeFile): string[] {
  return Object.entries(doc.services)
    .filter(([name, s]) => name === "palaver" || s.build === ".")
    .map(([name]) => name);
}

test("the name checks can fail: they find names in each syntax and flag unknown ones", () => {
  assert.deepEqual(interpolated("a: ${DB_PASS:?set it} b: $OTHER c: ${PORT}"), ["DB_PASS", "OTHER", "PORT"]);
  assert.deepEqual(envInstructionNames("PORT=3000 NOT_PALAVERS=1"), ["PORT", "NOT_PALAVERS"]);
  assert.deepEqual(envInstructionNames("PORT 3000"), ["PORT"]);
  assert.deepEqual(processEnvNames("process.env.PORT || process.env.HOME"), ["PORT", "HOME"]);
  assert.deepEqual(unknown(["PORT", "NOT_PALAVERS", "DATABASE_PATH"]), ["NOT_PALAVERS"]);
  const doc = parseYaml("services:\n  palaver:\n    environment:\n      - PORT=1\n      - TYPO_PORT=2\n") as ComposeFile;
  assert.deepEqual(composeUnknowns(doc, "").service, ["TYPO_PORT"]);
  const merged = parseYaml("x: &p\n  build: .\nservices:\n  a:\n    <<: *p\n    environment: { PORT: '1' }\n  b:\n    <<: *p\n    environment: { SHARD_TYPO: '2' }\n", { merge: true }) as ComposeFile;
  assert.deepEqual(composeUnknowns(merged, "").service, ["SHARD_TYPO"], "every Palaver service is checked");
});

test("every variable Palaver reads is explained in .env.example and the README's configuration table", () => {
  const example = envExampleNames(read(".env.example"));
  const readme = read("README.md");
  for (const name of ENVIRONMENT_VARIABLES) {
    assert.ok(example.has(name), `${name} is in .env.example`);
    assert.ok(readme.includes(`\`${name}\``), `${name} is in the README`);
  }
  assert.ok(ENVIRONMENT_VARIABLES.includes("PORT") && ENVIRONMENT_VARIABLES.includes("METRICS_TOKEN"));
});

test("Dockerfile: multi-stage, better-sqlite3 built in, non-root, a data volume, HEALTHCHECK on /livez", () => {
  const text = read("Dockerfile");
  const instructions = dockerInstructions(text);
  const stages = instructions.filter((i) => i.keyword === "FROM");
  assert.ok(stages.length >= 2, "at least a build stage and a runtime stage");
  assert.match(stages[0]!.args, / AS build$/i);
  const lastFrom = instructions.lastIndexOf(stages.at(-1)!);
  const runtime = instructions.slice(lastFrom);
  const build = instructions.slice(0, lastFrom);
  assert.ok(build.some((i) => i.keyword === "RUN" && /npm ci --omit=dev/.test(i.args) && /better-sqlite3/.test(i.args)), "the build installs and loads better-sqlite3");
  assert.ok(runtime.some((i) => i.keyword === "COPY" && /--from=build/.test(i.args)), "the runtime takes the build's result");
  const users = runtime.filter((i) => i.keyword === "USER").map((i) => i.args);
  assert.ok(users.length > 0 && !["root", "0"].includes(users.at(-1)!.split(":")[0]!), `runs as a non-root user (${users.at(-1)})`);
  assert.ok(runtime.some((i) => i.keyword === "VOLUME" && i.args.includes("/data")), "a volume for the data");
  const env = runtime.filter((i) => i.keyword === "ENV").flatMap((i) => envInstructionNames(i.args));
  assert.ok(env.includes("DATABASE_PATH"), "the database lives on the volume");
  const health = runtime.find((i) => i.keyword === "HEALTHCHECK");
  assert.ok(health && health.args.includes("/livez"), "HEALTHCHECK asks /livez");
  assert.ok(runtime.some((i) => i.keyword === "CMD" && i.args.includes("adapters/main.ts")), "starts Palaver like npm start");
  assert.deepEqual(unknown([...env, ...processEnvNames(text)]), [], "names only variables Palaver reads");
  for (const copied of instructions.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))) {
    const sources = copied.args.split(/\s+/).slice(0, -1);
    for (const source of sources) assert.ok(fs.existsSync(path.join(ROOT, source)), `COPY source ${source} exists`);
  }
});

test("compose.yaml: Palaver built from this Dockerfile, data on a named volume, only Palaver's variables", () => {
  const { doc, text } = loadCompose("compose.yaml");
  const palaver = doc.services.palaver;
  assert.ok(palaver, "a palaver service");
  assert.equal(palaver.build, ".");
  const [volume, mountPoint] = (palaver.volumes ?? [])[0]?.split(":") ?? [];
  assert.equal(mountPoint, "/data", "the image's data volume is mounted");
  assert.ok(doc.volumes && volume! in doc.volumes, "as a named volume");
  assert.equal(composeEnvironment(palaver).DATABASE_PATH, "/data/palaver.db");
  assert.deepEqual(composeUnknowns(doc, text), { service: [], interpolated: [] });
});

test("compose.postgres.yaml: Palaver with PostgreSQL on a named volume", () => {
  const { doc, text } = loadCompose("compose.postgres.yaml");
  const palaver = doc.services.palaver!;
  const postgres = doc.services.postgres!;
  assert.match(postgres.image ?? "", /^postgres:/);
  assert.ok((postgres.volumes ?? []).some((v) => v.endsWith(":/var/lib/postgresql/data")), "the database on a volume");
  assert.match(composeEnvironment(palaver).DATABASE_URL ?? "", /^postgres:\/\/palaver:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/palaver$/);
  assert.deepEqual(composeUnknowns(doc, text), { service: [], interpolated: [] });
});

test("compose.instances.yaml: two Palavers on one PostgreSQL, each with its own port and Discord shard", () => {
  const { doc, text } = loadCompose("compose.instances.yaml");
  const palavers = palaverServices(doc);
  assert.equal(palavers.length, 2, "two Palaver services");
  const envs = palavers.map((name) => composeEnvironment(doc.services[name]!));
  for (const env of envs) {
    assert.match(env.DATABASE_URL ?? "", /^postgres:\/\/palaver:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/palaver$/, "the same database");
    assert.equal(env.DISCORD_SHARD_COUNT, String(palavers.length), "the shard count is the total over the instances");
  }
  assert.deepEqual(envs.map((e) => e.DISCORD_SHARD_IDS).sort(), ["0", "1"], "each instance runs its own shard");
  const hostPorts = palavers.map((name) => String((doc.services[name] as { ports?: string[] }).ports?.[0]).split(":")[1]);
  assert.equal(new Set(hostPorts).size, palavers.length, "each instance on its own host port");
  const postgres = doc.services.postgres!;
  assert.ok((postgres.volumes ?? []).some((v) => v.endsWith(":/var/lib/postgresql/data")), "the database on a volume");
  assert.deepEqual(composeUnknowns(doc, text), { service: [], interpolated: [] });
});

test("deploy/palaver.service: a complete unit, not root, SIGTERM with time to drain, only Palaver's variables", () => {
  const unit = parseUnit(read("deploy/palaver.service"));
  for (const section of ["Unit", "Service", "Install"]) assert.ok(unit.sections.has(section), `[${section}]`);
  const service = new Map<string, string[]>();
  for (const [key, value] of unit.sections.get("Service")!) service.set(key, [...(service.get(key) ?? []), value]);
  assert.match(service.get("ExecStart")?.[0] ?? "", /^\/\S+ --import tsx adapters\/main\.ts$/, "an absolute ExecStart running Palaver");
  const user = service.get("User")?.[0];
  assert.ok(user && user !== "root", "runs as its own user");
  assert.equal(service.get("KillSignal")?.[0], "SIGTERM");
  assert.ok(Number(service.get("TimeoutStopSec")?.[0]) > 5, "more stop time than the default 5 s grace");
  const names = (service.get("Environment") ?? []).flatMap((v) => [...v.matchAll(/(?:^|\s)"?([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!));
  assert.ok(names.includes("DATABASE_PATH"), "the database goes to the state directory");
  assert.deepEqual(unknown(names), [], "names only variables Palaver reads");
  assert.equal(unit.sections.get("Install")!.find(([k]) => k === "WantedBy")?.[1], "multi-user.target");
});
