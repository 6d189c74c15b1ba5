/**
 * What one pgs up hands the engine (app/engine/runPlan.ts): scoped runs target only what they
 * build, and never a resource that tenants left unbuilt depend on (the engine refuses such a run:
 * "will be destroyed but was not specified in --target list", met in the CLI's e2e suite).
 */
import * as path from "node:path";
import { planRun, type RunRequest } from "../../../../app/engine/runPlan";
import { fingerprints, secretCiphertexts } from "../../../../app/engine/scope";
import type { Backend } from "../../../../backends/backend";
import { dockerBackend } from "../../../../backends/docker";
import { stackConfig } from "../../../../lib/project";
import { readStackSettings } from "../../../../lib/stackSettings";
import { resolveTenant } from "../../../../lib/tenants/tenant";

const ROOT = path.resolve(__dirname, "../../../..");
const { project, config } = stackConfig(ROOT, "unit", { postgresImage: "pgs-local/postgres:{major}" });
const settings = readStackSettings((key) => config[`${project}:${key}`], project, "unit");
const file = { apiVersion: "pgs/v1" as const, tenants: [] };
const tenants = [
  resolveTenant({ id: "acme" }, file, "pgs.example.com"),
  resolveTenant({ id: "globex" }, file, "pgs.example.com"),
  resolveTenant({ id: "initech", postgres: { version: 17 } }, file, "pgs.example.com"),
];
const IMAGE_18 = `urn:pulumi:unit::${project}::docker:index/remoteImage:RemoteImage::image-pgs-local-postgres-18`;
const INGRESS = `urn:pulumi:unit::${project}::pgs:docker:TraefikIngress::ingress`;
const COMPONENTS = ["acme", "globex", "initech"].map((id) => `urn:pulumi:unit::${project}::pgs:docker:TenantDatabase::${id}`);

/** The Docker backend with a host whose drift check finds what `drifted` says. */
function backend(
  drifted: { tenants: string[]; ingress: boolean; stopped: string[] } = { tenants: [], ingress: false, stopped: [] },
): Backend {
  return { ...dockerBackend, host: () => ({ drift: async () => drifted }) as unknown as ReturnType<Backend["host"]> };
}

const current = fingerprints(settings, tenants, secretCiphertexts(ROOT, "unit"));

function request(over: Partial<RunRequest>): RunRequest {
  return {
    projectDir: ROOT,
    settings,
    tenants,
    backend: backend(),
    outputs: { applied: current },
    inState: new Set([IMAGE_18, INGRESS, ...COMPONENTS]),
    ...over,
  };
}

test("a tenant-scoped run targets that tenant only, not the image its neighbours' servers already use", async () => {
  const plan = await planRun(request({ only: ["globex"] }));
  expect(plan.scope).toMatchObject({ full: false, tenants: ["globex"], ingress: false });
  expect(plan.targets!.some((t) => t.includes("::globex"))).toBe(true);
  expect(plan.targets!.some((t) => t.includes("acme") || t.includes("initech"))).toBe(false);
  expect(plan.targets).not.toContain(IMAGE_18);
});

test("an image not yet in the state is targeted, so that the tenant's first use creates it", async () => {
  const plan = await planRun(request({ only: ["globex"], inState: new Set([INGRESS, ...COMPONENTS]) }));
  expect(plan.targets).toContain(IMAGE_18);
});

test("nothing changed or drifted: no run at all", async () => {
  expect((await planRun(request({}))).nothing).toBe(true);
});

test("one tenant edited: only it is built and targeted", async () => {
  const applied = { ...current, tenants: { ...current.tenants, acme: "an older fingerprint" } };
  const plan = await planRun(request({ outputs: { applied } }));
  expect(plan.scope).toMatchObject({ full: false, tenants: ["acme"], ingress: false });
  expect(plan.reasons).toEqual(["acme: edited since it was applied"]);
});

test("the ingress changed or drifted: a full run, since every tenant's route depends on it", async () => {
  const changed = await planRun(request({ outputs: { applied: { ...current, ingress: "an older fingerprint" } } }));
  expect(changed.scope.full).toBe(true);
  expect(changed.targets).toBeUndefined();
  const drifted = await planRun(request({ backend: backend({ tenants: [], ingress: true, stopped: [] }) }));
  expect(drifted.scope.full).toBe(true);
  expect(drifted.targets).toBeUndefined();
  expect(drifted.refresh.length).toBeGreaterThan(0);
});

test("a stack whose ingress was never applied gets a full run, even from a tenant-scoped command", async () => {
  const plan = await planRun(request({ only: ["globex"], outputs: { applied: { tenants: current.tenants } } }));
  expect(plan.scope.full).toBe(true);
});

test("a server stopped or killed out of band is refreshed and replaced (a refresh keeps a stopped container as it is)", async () => {
  const container = `urn:pulumi:unit::${project}::pgs:docker:TenantDatabase$docker:index/container:Container::acme-postgres`;
  const plan = await planRun(
    request({
      backend: backend({ tenants: ["acme"], ingress: false, stopped: ["acme-postgres"] }),
      inState: new Set([IMAGE_18, container]),
    }),
  );
  expect(plan.scope).toMatchObject({ full: false, tenants: ["acme"] });
  expect(plan.replace).toEqual([container]);
  expect(plan.refresh.some((t) => t.includes("::acme"))).toBe(true);
  expect(plan.reasons).toEqual(["acme: its server or storage is not as applied (stopped, killed or deleted by hand)"]);
});

test("a full run (no record: the last was a plain pulumi up) still repairs what drifted", async () => {
  const container = `urn:pulumi:unit::${project}::pgs:docker:TenantDatabase$docker:index/container:Container::acme-postgres`;
  const plan = await planRun(
    request({
      outputs: undefined,
      backend: backend({ tenants: ["acme"], ingress: false, stopped: ["acme-postgres"] }),
      inState: new Set([IMAGE_18, INGRESS, ...COMPONENTS, container]),
    }),
  );
  expect(plan.scope.full).toBe(true);
  expect(plan.replace).toEqual([container]);
  expect(plan.refresh.some((t) => t.includes("::acme"))).toBe(true);
});

test("a first run has nothing in the state to drift: no host listing matters", async () => {
  const plan = await planRun(
    request({ outputs: undefined, backend: backend({ tenants: ["acme"], ingress: true, stopped: ["acme-postgres"] }), inState: new Set() }),
  );
  expect({ refresh: plan.refresh, replace: plan.replace }).toEqual({ refresh: [], replace: [] });
});

test("the drift check weighs only what the state holds: a tenant being started has no server in it, so nothing is refreshed first", async () => {
  const container = `urn:pulumi:unit::${project}::pgs:docker:TenantDatabase$docker:index/container:Container::acme-postgres`;
  // A host where acme's server does not run: drift only where the state says there is one.
  const host = {
    drift: async (_tenants: unknown, inState: (name: string) => boolean) => ({
      tenants: inState("acme-postgres") ? ["acme"] : [],
      ingress: false,
      stopped: [],
    }),
  };
  const withHost = { ...dockerBackend, host: () => host as unknown as ReturnType<Backend["host"]> };
  const starting = await planRun(request({ only: ["acme"], backend: withHost }));
  expect(starting.refresh).toEqual([]);
  const killed = await planRun(
    request({ only: ["acme"], backend: withHost, inState: new Set([IMAGE_18, INGRESS, ...COMPONENTS, container]) }),
  );
  expect(killed.refresh.some((t) => t.includes("::acme"))).toBe(true);
});
