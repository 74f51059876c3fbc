// The import rules of src/ (README, "Development"): dependencies point down only, and no module
// imports itself back through others.
//
//   entry points  src/index.ts, src/app.ts, src/env.ts
//   adapters      src/routes/**, src/console/**, src/pipeline/**
//   domain        src/domain/**
//   db            src/db/**
//   scim          src/scim/**  (pure: imports nothing outside src/scim, no package at all)
//
// A module may import its own layer and the layers below it, with these limits: adapters reach src/db
// through the domain (`import type` from src/db is allowed); src/app.ts and src/index.ts are imported
// by entry points only, src/env.ts by entry points and adapters, as types; the domain and src/db use
// no web framework. Only `import type` / `export type` is type-only: under verbatimModuleSyntax,
// `import { type X }` still loads the module. Cycles count every import, type-only ones too.
// Exit status 1 on any violation.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const RANK = { scim: 0, db: 1, domain: 2, adapter: 3, entry: 4 };
const ENTRY_POINTS = new Set(["src/index.ts", "src/app.ts", "src/env.ts"]);
const ADAPTER_FOLDERS = ["src/routes/", "src/console/", "src/pipeline/"];
/** Packages a layer must not use: the web framework belongs to the adapters. */
const FORBIDDEN_PACKAGES = { db: ["hono"], domain: ["hono"] };

function layerOf(file) {
  if (ENTRY_POINTS.has(file)) return "entry";
  if (ADAPTER_FOLDERS.some((folder) => file.startsWith(folder))) return "adapter";
  for (const layer of ["scim", "db", "domain"]) if (file.startsWith(`src/${layer}/`)) return layer;
  return undefined;
}

function sourceFiles(folder) {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

// Biome's formatting puts every import and re-export at the start of a line and ends it with a semicolon.
const STATIC_IMPORT = /^(import|export)\b([^;]*?)\bfrom\s*"([^"]+)";|^import\s*"([^"]+)";/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*["'`]/;

function importsOf(text) {
  const found = [];
  for (const match of text.matchAll(STATIC_IMPORT)) {
    const clause = match[2] ?? "";
    found.push({ specifier: match[3] ?? match[4], typeOnly: /^\s*type\b/.test(clause) });
  }
  if (DYNAMIC_IMPORT.test(text)) found.push({ dynamic: true });
  return found;
}

const files = sourceFiles("src");
const known = new Set(files);
function resolve(from, specifier) {
  const base = join(dirname(from), specifier);
  return ["", ".ts", ".tsx", "/index.ts", "/index.tsx"].map((suffix) => base + suffix).find((path) => known.has(path));
}

const problems = [];
const edges = new Map(files.map((file) => [file, new Set()]));

for (const file of files) {
  const layer = layerOf(file);
  if (!layer) {
    problems.push(`${file}: outside the layers; move it into src/scim, src/db, src/domain or an adapter folder`);
    continue;
  }
  for (const { specifier, typeOnly, dynamic } of importsOf(readFileSync(join(root, file), "utf8"))) {
    if (dynamic) {
      problems.push(`${file}: a dynamic import() cannot be checked; import statically`);
      continue;
    }
    if (!specifier.startsWith(".")) {
      const name = specifier.split("/")[0];
      if (layer === "scim") problems.push(`${file}: imports the package "${specifier}"; src/scim is pure`);
      else if (FORBIDDEN_PACKAGES[layer]?.includes(name)) {
        problems.push(`${file}: imports "${specifier}", which belongs to the adapters`);
      }
      continue;
    }
    const target = resolve(file, specifier);
    if (!target) {
      problems.push(`${file}: cannot resolve "${specifier}"`);
      continue;
    }
    edges.get(file).add(target);
    const targetLayer = layerOf(target);
    if (!targetLayer) continue; // reported for the target itself
    const what = `${file}: imports ${typeOnly ? "types from " : ""}${target}`;
    if (target === "src/env.ts") {
      if (!typeOnly) problems.push(`${what}; import its types with \`import type\``);
      else if (layer !== "adapter" && layer !== "entry") problems.push(`${what}; ${layer} is below the entry points`);
    } else if (targetLayer === "entry" && layer !== "entry") {
      problems.push(`${what}; nothing below the entry points imports them (pass what is needed down instead)`);
    } else if (RANK[targetLayer] > RANK[layer]) {
      problems.push(`${what}; ${layer} is below ${targetLayer}: dependencies point down only`);
    } else if (layer === "adapter" && targetLayer === "db" && !typeOnly) {
      problems.push(`${what}; adapters reach src/db through the domain (\`import type\` only)`);
    }
  }
}

// Tarjan's strongly connected components: each one larger than a module (or a module importing itself) is a cycle.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
let counter = 0;
function connect(file) {
  index.set(file, counter);
  low.set(file, counter++);
  stack.push(file);
  onStack.add(file);
  for (const next of edges.get(file)) {
    if (!index.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
  }
  if (low.get(file) !== index.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || edges.get(file).has(file)) {
    const modules = component.sort();
    problems.push(`import cycle among ${modules.join(", ")}: ${cycleThrough(modules).join(" → ")}`);
  }
}
for (const file of files) if (!index.has(file)) connect(file);

/** One shortest way round the component from its first module back to itself, to show in the message. */
function cycleThrough(component) {
  const inside = new Set(component);
  const [start] = component;
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of edges.get(file)) {
      if (!inside.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return component;
}

const shown = relative(process.cwd(), root) || ".";
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-imports: ${problems.length} problem(s) in ${shown}/src`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} modules, dependencies point down, no cycles`);
