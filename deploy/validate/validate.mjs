// Validates Kubernetes manifests offline, with no cluster:
//   node validate.mjs PATH...
// PATH is a YAML file or a kustomization directory. A directory is rendered the way
// `kubectl apply -k` would for the subset of Kustomize this repository uses (resources, which may
// be files or other kustomization directories, and JSON 6902 patches with a target kind and name);
// every resulting object is checked against the schema of its apiVersion and kind:
//   - Kubernetes core and apps kinds: kubernetes-models (the Kubernetes OpenAPI schemas);
//   - serving.knative.dev: @kubernetes-models/knative (Knative's CRD schemas);
//   - monitoring.coreos.com: @kubernetes-models/prometheus-operator;
//   - infinispan.org: schemas/infinispan.org.json, written for this repository from the Infinispan
//     Operator documentation (only the fields RLRF uses; unknown fields are rejected there);
//   - anything else is an error: no object passes unchecked.
// Prints one JSON report on stdout: {"ok": bool, "objects": [{"source", "apiVersion", "kind",
// "name", "errors": [...], "object": the object as validated}]}; exits 0 when every object is
// valid, 1 otherwise, 2 on a usage error.
import { readFileSync, statSync, existsSync } from "node:fs";
import { join, dirname, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

import { Namespace } from "kubernetes-models/v1/Namespace";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service as CoreService } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";

const here = dirname(fileURLToPath(import.meta.url));

/** Validators by "apiVersion/kind": each returns a list of error strings (empty when valid). */
const modelValidators = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": CoreService,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "serving.knative.dev/v1/Service": KnativeService,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

const infinispanSchemas = JSON.parse(readFileSync(join(here, "schemas", "infinispan.org.json"), "utf8"));
const ajv = new Ajv({ allErrors: true, strict: true });
const ownValidators = Object.fromEntries(
  Object.entries(infinispanSchemas.kinds).map(([key, schema]) => [key, ajv.compile({ ...schema, $defs: infinispanSchemas.$defs })]),
);

function validateObject(obj) {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    return ["a manifest must be a mapping"];
  }
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = modelValidators[key];
  if (Model) {
    try {
      new Model(obj).validate();
      return [];
    } catch (e) {
      return String(e.message).split(", data").map((m, i) => (i === 0 ? m : "data" + m));
    }
  }
  const own = ownValidators[key];
  if (own) {
    if (own(obj)) {
      return [];
    }
    return own.errors.map((e) => `data${e.instancePath} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
  }
  return [`no schema for apiVersion "${obj.apiVersion}" kind "${obj.kind}"`];
}

function loadYaml(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const out = [];
  for (const d of docs) {
    if (d.errors.length > 0) {
      throw new Error(`${file}: ${d.errors.map((e) => e.message).join("; ")}`);
    }
    const value = d.toJS();
    if (value !== null && value !== undefined) {
      out.push(value);
    }
  }
  return out;
}

// ---- a small JSON Patch (RFC 6902: add, replace, remove) for the overlays' patches -------------

function pointer(path) {
  return path.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function applyPatch(doc, ops, where) {
  for (const op of ops) {
    const tokens = pointer(op.path);
    const last = tokens.pop();
    let parent = doc;
    for (const t of tokens) {
      if (parent === null || typeof parent !== "object" || !(t in parent)) {
        throw new Error(`${where}: ${op.op} ${op.path}: "${t}" does not exist`);
      }
      parent = parent[t];
    }
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (op.op === "add") {
        parent.splice(index, 0, op.value);
      } else if (op.op === "replace") {
        parent[index] = op.value;
      } else if (op.op === "remove") {
        parent.splice(index, 1);
      } else {
        throw new Error(`${where}: unsupported op ${op.op}`);
      }
    } else if (op.op === "add" || op.op === "replace") {
      if (op.op === "replace" && !(last in parent)) {
        throw new Error(`${where}: replace ${op.path}: nothing to replace`);
      }
      parent[last] = op.value;
    } else if (op.op === "remove") {
      if (!(last in parent)) {
        throw new Error(`${where}: remove ${op.path}: nothing to remove`);
      }
      delete parent[last];
    } else {
      throw new Error(`${where}: unsupported op ${op.op}`);
    }
  }
}

/** Objects of a kustomization directory: [{source, obj}]. */
function renderKustomization(dir) {
  const file = join(dir, "kustomization.yaml");
  const [k] = loadYaml(file);
  const known = new Set(["apiVersion", "kind", "namespace", "resources", "patches", "images", "labels"]);
  for (const field of Object.keys(k)) {
    if (!known.has(field)) {
      throw new Error(`${file}: field "${field}" is not supported by this validator`);
    }
  }
  let objects = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (!existsSync(path)) {
      throw new Error(`${file}: resource ${r} does not exist`);
    }
    objects = objects.concat(collect(path));
  }
  for (const p of k.patches ?? []) {
    const ops = p.path ? loadYaml(resolve(dir, p.path))[0] : parseInline(p.patch, file);
    const t = p.target;
    const matches = objects.filter(({ obj }) => obj.kind === t.kind && obj.metadata?.name === t.name
      && (t.group === undefined || String(obj.apiVersion).startsWith(`${t.group}/`))
      && (t.version === undefined || String(obj.apiVersion).endsWith(`/${t.version}`) || obj.apiVersion === t.version));
    if (matches.length !== 1) {
      throw new Error(`${file}: patch target ${t.kind}/${t.name} matched ${matches.length} objects`);
    }
    const m = matches[0];
    m.obj = structuredClone(m.obj);
    applyPatch(m.obj, ops, file);
    m.source = `${relative(process.cwd(), m.source)} + ${relative(process.cwd(), file)}`;
  }
  if (k.namespace) {
    for (const o of objects) {
      if (o.obj.kind !== "Namespace") {
        o.obj = { ...o.obj, metadata: { ...o.obj.metadata, namespace: k.namespace } };
      }
    }
  }
  return objects;
}

function parseInline(text, where) {
  const docs = parseAllDocuments(text);
  if (docs.some((d) => d.errors.length > 0)) {
    throw new Error(`${where}: an inline patch does not parse`);
  }
  return docs[0].toJS();
}

function collect(path) {
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, "kustomization.yaml"))) {
      throw new Error(`${path} is a directory without kustomization.yaml`);
    }
    return renderKustomization(path);
  }
  return loadYaml(path).map((obj) => ({ source: path, obj }));
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node validate.mjs FILE_OR_KUSTOMIZATION_DIR...");
  process.exit(2);
}
const report = { ok: true, objects: [] };
for (const p of paths) {
  let objects;
  try {
    objects = collect(resolve(p));
  } catch (e) {
    report.ok = false;
    report.objects.push({ source: p, apiVersion: null, kind: null, name: null, errors: [String(e.message)] });
    continue;
  }
  for (const { source, obj } of objects) {
    const errors = validateObject(obj);
    if (errors.length > 0) {
      report.ok = false;
    }
    report.objects.push({
      source: relative(process.cwd(), source) || source,
      apiVersion: obj?.apiVersion ?? null,
      kind: obj?.kind ?? null,
      name: obj?.metadata?.name ?? null,
      errors,
      object: obj,
    });
  }
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
