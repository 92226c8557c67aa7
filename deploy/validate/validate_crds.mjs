// Validate CRD-kind objects with the npm kubernetes-models classes (their .validate() runs the
// upstream CRDs' OpenAPI schemas). Input: a JSON file [{origin, object}]. Exit 1 on any failure.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const PACKAGES = {
  "networking.istio.io": "@kubernetes-models/istio",
  "security.istio.io": "@kubernetes-models/istio",
  "telemetry.istio.io": "@kubernetes-models/istio",
  "argoproj.io": "@kubernetes-models/argo-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

const nodeModules = process.env.WAYFARE_NODE_MODULES;
const items = JSON.parse(readFileSync(process.argv[2], "utf8"));
let passed = 0;
const failures = [];
const kinds = new Map();

for (const { origin, object } of items) {
  const [group, version] = object.apiVersion.split("/");
  const pkg = PACKAGES[group];
  const name = `${origin}: ${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
  if (!pkg) { failures.push(`${name}: no schema package for group ${group}`); continue; }
  let Model;
  try {
    const file = path.join(nodeModules, pkg, group, version, `${object.kind}.js`);
    Model = (await import(pathToFileURL(file).href))[object.kind];
  } catch (e) {
    failures.push(`${name}: no model (${e.message.split("\n")[0]})`);
    continue;
  }
  try {
    new Model(object).validate();
    passed++;
    kinds.set(`${object.apiVersion} ${object.kind}`, (kinds.get(`${object.apiVersion} ${object.kind}`) ?? 0) + 1);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
  }
}
console.log(`CRD kinds: ${passed} objects valid (${[...kinds].map(([k, n]) => `${k} x${n}`).join(", ")})`);
for (const f of failures) console.error(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
