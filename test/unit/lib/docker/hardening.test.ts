/** lib/docker/hardening.ts: what every container pgs runs on Docker runs with (capabilities, privileges, logs). */
import type * as docker from "@pulumi/docker";
import { CONTAINER_LOGS, TENANT_CONTAINER_HARDENING } from "../../../../lib/docker/hardening";

/** Docker's size units for json-file's max-size (k, m, g: powers of 1000 in the daemon's units.FromHumanSize). */
function bytes(size: string): number {
  const m = /^([0-9]+)([kmg])$/.exec(size);
  if (!m) throw new Error(`not a json-file size: ${size}`);
  return Number(m[1]) * { k: 1e3, m: 1e6, g: 1e9 }[m[2] as "k" | "m" | "g"];
}

// Checked by `tsc --noEmit` (npm test); ts-jest only transpiles.
test("the settings are fields of the docker provider's Container, so spreading them into one type-checks", () => {
  const hardening: Required<Pick<docker.ContainerArgs, "capabilities" | "securityOpts">> = TENANT_CONTAINER_HARDENING;
  const logs: Required<Pick<docker.ContainerArgs, "logDriver" | "logOpts">> = CONTAINER_LOGS;
  expect(Object.keys(hardening).sort()).toEqual(["capabilities", "securityOpts"]);
  expect(Object.keys(logs).sort()).toEqual(["logDriver", "logOpts"]);
});

test("raw sockets are dropped, in the CAP_ form the engine reads back, and nothing is added", () => {
  expect(TENANT_CONTAINER_HARDENING.capabilities.drops).toContain("CAP_NET_RAW");
  for (const cap of TENANT_CONTAINER_HARDENING.capabilities.drops) expect(cap).toMatch(/^CAP_[A-Z_]+$/);
  expect(TENANT_CONTAINER_HARDENING.capabilities).not.toHaveProperty("adds");
});

test("no process in the container can gain privileges through a setuid binary", () => {
  expect(TENANT_CONTAINER_HARDENING.securityOpts).toContain("no-new-privileges:true");
  expect(
    TENANT_CONTAINER_HARDENING.securityOpts.some((o) => /^(seccomp|apparmor)=unconfined$/.test(o) || o === "no-new-privileges:false"),
  ).toBe(false);
});

test("logs go to json-file, which `docker logs` reads", () => {
  expect(CONTAINER_LOGS.logDriver).toBe("json-file");
});

test("a container's log is bounded: a few rotated files of a few MB, at most 30 MB in all", () => {
  const files = Number(CONTAINER_LOGS.logOpts["max-file"]);
  const size = bytes(CONTAINER_LOGS.logOpts["max-size"]);
  expect(Number.isInteger(files) && files >= 2).toBe(true);
  expect(size).toBeGreaterThanOrEqual(1e6);
  expect(files * size).toBeLessThanOrEqual(30e6);
});

test("every log option is a string, as the provider's logOpts map takes them", () => {
  for (const value of Object.values(CONTAINER_LOGS.logOpts)) expect(typeof value).toBe("string");
});
