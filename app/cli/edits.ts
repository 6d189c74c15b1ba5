/**
 * The editing commands: each changes tenants.yaml and nothing else, validates the whole result
 * (writing nothing when it is invalid), prints the change as a diff and says the next step.
 * Applying is separate and visible: `--apply`, `pgs up`, or a pull request.
 */
import type { DataWords } from "../../backends/host";
import { appendTenant, editDiff, editTenantsFile, removeTenant, setTenantField } from "../../lib/tenants/edit";
import { parseTenantsFile } from "../../lib/tenants/file";
import { isIpOrCidr } from "../../lib/tenants/ipRange";
import type { Tenant } from "../../lib/tenants/tenant";
import type { StepLog } from "../engine/changes";
import { loadOffline, type Target } from "./context";
import { CliError, type Io, paint } from "./io";

export interface Edited {
  changed: boolean;
  tenantsFile: string;
  /** The tenants the edit is about: what `--apply` applies. */
  tenants: string[];
}

/**
 * Applies `edit` to the stack's tenants file under its lock; prints the diff, or that nothing
 * changed. `beforeWrite` runs once the result is valid, before it is written.
 */
export async function editTenants(
  t: Target,
  io: Io,
  ids: string[] | "every tenant",
  edit: (text: string, tenants: Tenant[]) => string,
  beforeWrite?: () => Promise<void>,
): Promise<Edited> {
  const { settings, tenantsFile, tenants } = loadOffline(t);
  const context = { baseDomain: settings.baseDomain, certificateNames: settings.certificateNames, stack: t.stack };
  const { before, after } = await editTenantsFile(
    tenantsFile,
    (text) => edit(text, tenants),
    (text) => parseTenantsFile(text, tenantsFile, context),
    beforeWrite,
  );
  if (before === after) {
    io.out(`${tenantsFile}: already so, nothing to change`);
    return { changed: false, tenantsFile, tenants: [] };
  }
  io.out(`${tenantsFile}:`);
  for (const line of editDiff(before, after)) {
    io.out(line.startsWith("+ ") ? paint(io, "green", line) : line.startsWith("- ") ? paint(io, "red", line) : paint(io, "dim", line));
  }
  return { changed: true, tenantsFile, tenants: ids === "every tenant" ? tenants.map((x) => x.id) : ids };
}

/** What to do after an edit that was not applied. */
export function nextStep(io: Io, t: Target): void {
  io.out(
    `Next: pgs up --stack ${t.stack} to apply it, or commit ${"tenants.yaml"} and open a pull request (the preview shows the same change).`,
  );
}

/**
 * An edit applied now (`--apply`: pgs up --yes of the edited tenants alone), or its next step
 * said; the engine's steps when applied.
 */
export async function applyOrSayNext(t: Target, io: Io, edited: Edited, apply: boolean | undefined): Promise<StepLog | undefined> {
  if (!edited.changed) return undefined;
  if (!apply) {
    nextStep(io, t);
    return undefined;
  }
  const { up } = await import("./engine");
  return up(t, io, { yes: true, only: edited.tenants });
}

/**
 * `--terminate` after an applied disable-access or deny: ends the tenant's sessions that came
 * through the ingress. All of them, for deny too: behind Traefik the server sees only Traefik's
 * address, never the client's, so it cannot tell an allowed session from a denied one.
 */
export async function terminateSessions(t: Target, io: Io, id: string, why: string): Promise<void> {
  const { settings, tenants, backend } = loadOffline(t);
  const tenant = requireTenant(tenants, id);
  if (tenant.state !== "running") return;
  const ended = await backend.host({ settings, projectDir: t.projectDir }).terminateSessions(tenant);
  io.out(`Ended ${ended} open session${ended === 1 ? "" : "s"} of ${id} (${why}).`);
}

function requireTenant(tenants: Tenant[], id: string): Tenant {
  const tenant = tenants.find((x) => x.id === id);
  if (!tenant) throw new CliError(`no tenant "${id}" in the tenants file (pgs list shows them)`);
  return tenant;
}

export interface CreateOptions {
  hostname?: string;
  database?: string;
  version?: number;
  memory?: string;
  cpus?: number;
  storage?: string;
  allow?: string[];
  /** The stack config key holding the tenant's own password (already stored by the caller). */
  passwordSecret?: string;
}

/** The entry `pgs create` appends: only what the operator gave, so defaults keep applying. */
export function createEntry(id: string, o: CreateOptions): Record<string, unknown> {
  return {
    id,
    ...(o.hostname ? { hostname: o.hostname } : {}),
    ...(o.database ? { database: o.database } : {}),
    ...(o.allow && o.allow.length > 0 ? { allowFrom: o.allow } : {}),
    ...(o.version !== undefined ? { postgres: { version: o.version } } : {}),
    ...(o.memory !== undefined || o.cpus !== undefined || o.storage !== undefined
      ? {
          resources: {
            ...(o.memory !== undefined ? { memory: o.memory } : {}),
            ...(o.cpus !== undefined ? { cpus: o.cpus } : {}),
            ...(o.storage !== undefined ? { storage: o.storage } : {}),
          },
        }
      : {}),
    ...(o.passwordSecret ? { passwordSecret: o.passwordSecret } : {}),
  };
}

/** The shortest password pgs accepts for a tenant (tenants.yaml's passwordSecret check says the same). */
const MIN_PASSWORD_LENGTH = 16;

/**
 * `pgs create`: appends the entry. With the tenant's own password (`password` reads it), the
 * password is stored as secret stack config `<id>Password` once the new file is known to be
 * valid, and before it is written, so that no entry ever names a secret that is not set.
 */
export async function createTenant(
  t: Target,
  io: Io,
  id: string,
  o: CreateOptions & { password?: () => Promise<string> },
): Promise<Edited> {
  let store: (() => Promise<void>) | undefined;
  let passwordSecret: string | undefined;
  if (o.password) {
    const password = await o.password();
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new CliError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters; nothing was changed`);
    const key = `${id}Password`;
    passwordSecret = key;
    store = async () => {
      const { existingStack } = await import("./stack");
      await (await existingStack(t)).stack.setConfig(key, { value: password, secret: true });
      io.out(`stored the password as secret config ${key} of stack ${t.stack}`);
    };
  }
  return editTenants(
    t,
    io,
    [id],
    (text, tenants) => {
      if (tenants.some((x) => x.id === id)) throw new CliError(`tenant "${id}" already exists in the tenants file`);
      return appendTenant(text, createEntry(id, { ...o, ...(passwordSecret ? { passwordSecret } : {}) }));
    },
    store,
  );
}

export function removeTenantEntry(t: Target, io: Io, id: string): Promise<Edited> {
  return editTenants(t, io, [id], (text, tenants) => {
    requireTenant(tenants, id);
    return removeTenant(text, id);
  });
}

/** `onRemove: delete`, the first half of `pgs remove --purge`. */
export function markForDeletion(t: Target, io: Io, id: string): Promise<Edited> {
  return editTenants(t, io, [id], (text, tenants) => {
    requireTenant(tenants, id);
    return setTenantField(text, id, ["onRemove"], "delete");
  });
}

/**
 * What happened to a removed tenant's data, from the engine's steps when the removal was applied
 * (the engine deletes with the options it last applied, whatever the file says now), else what
 * applying will do; in the backend's own terms.
 */
export function removedDataMessage(id: string, words: DataWords, steps: StepLog | undefined, onRemove: Tenant["onRemove"]): string {
  const comeBack = `pgs create ${id} brings the tenant back with its data; ${words.deleteCommand} deletes it`;
  if (!steps) {
    return onRemove === "delete"
      ? `When applied, the ${words.data} is deleted if onRemove: delete has been applied (pgs preview says "delete" for it), else kept.`
      : `When applied, the ${words.data} is kept: ${comeBack}.`;
  }
  const step = steps.steps.find((s) => s.name === `${id}-data`);
  if (!step) return `The ${words.data} was not touched by this run.`;
  if ((step.op === "delete" || step.op === "discard") && !step.retained) return `The ${words.data} was deleted (onRemove: delete).`;
  return `The ${words.data} is kept: ${comeBack}.`;
}

export interface RemoveOptions {
  purge?: boolean;
  yes?: boolean;
  apply?: boolean;
}

/**
 * `pgs remove`: the entry goes; the data stays unless `--purge`, which first sets and applies
 * `onRemove: delete` (after the id is typed), since the engine deletes with the options it last applied.
 */
export async function removeCommand(
  t: Target,
  io: Io,
  id: string,
  o: RemoveOptions,
  confirm: (question: string, expected: string) => Promise<boolean>,
): Promise<void> {
  const { settings, tenants, backend } = loadOffline(t);
  const tenant = requireTenant(tenants, id);
  const words = backend.host({ settings, projectDir: t.projectDir }).dataWords(id);
  if (o.purge) {
    const ok = o.yes || (await confirm(`This deletes tenant ${id}'s ${words.data} for good. Type the tenant id (${id}) to confirm: `, id));
    if (!ok) throw new CliError("not confirmed; nothing was changed");
    const marked = await markForDeletion(t, io, id);
    if (!o.apply) {
      if (marked.changed)
        io.out(`Next: apply this (pgs up), then run pgs remove ${id} --apply again; the data is deleted only once both are applied.`);
      else io.out(`onRemove: delete is already set; if it has been applied, pgs remove ${id} --apply deletes the tenant and its data.`);
      return;
    }
    await applyOrSayNext(t, io, marked, true);
  }
  const removed = await removeTenantEntry(t, io, id);
  const steps = await applyOrSayNext(t, io, removed, o.apply);
  if (removed.changed) io.out(removedDataMessage(id, words, steps, o.purge ? "delete" : tenant.onRemove));
}

/** `state` of the given tenants (all when none), the default `running` written as no key at all. */
export function setState(t: Target, io: Io, ids: string[], state: "running" | "stopped"): Promise<Edited> {
  return editTenants(t, io, ids.length > 0 ? ids : "every tenant", (text, tenants) => {
    const chosen = ids.length > 0 ? ids.map((id) => requireTenant(tenants, id)) : tenants;
    return chosen.reduce((acc, tenant) => setTenantField(acc, tenant.id, ["state"], state === "running" ? undefined : state), text);
  });
}

export function setAccess(t: Target, io: Io, id: string, access: "enabled" | "disabled"): Promise<Edited> {
  return editTenants(t, io, [id], (text, tenants) => {
    requireTenant(tenants, id);
    return setTenantField(text, id, ["access"], access === "enabled" ? undefined : access);
  });
}

function checkCidrs(cidrs: string[]): void {
  const bad = cidrs.filter((c) => !isIpOrCidr(c));
  if (bad.length > 0) throw new CliError(`not an IPv4/IPv6 address or CIDR: ${bad.join(", ")}`, 2);
}

/** Adds addresses to `allowFrom`. */
export function allow(t: Target, io: Io, id: string, cidrs: string[]): Promise<Edited> {
  checkCidrs(cidrs);
  return editTenants(t, io, [id], (text, tenants) => {
    const current = requireTenant(tenants, id).allowFrom;
    const next = [...current, ...cidrs.filter((c) => !current.includes(c))];
    return next.length === current.length ? text : setTenantField(text, id, ["allowFrom"], next);
  });
}

/** Removes addresses from `allowFrom`; never the last one, since an empty list admits every address. */
export function deny(t: Target, io: Io, id: string, cidrs: string[]): Promise<Edited> {
  checkCidrs(cidrs);
  return editTenants(t, io, [id], (text, tenants) => {
    const current = requireTenant(tenants, id).allowFrom;
    const missing = cidrs.filter((c) => !current.includes(c));
    if (missing.length > 0)
      throw new CliError(
        `tenant "${id}" does not list ${missing.join(", ")} in allowFrom (it has: ${current.join(", ") || "none, so every address is allowed"})`,
      );
    const next = current.filter((c) => !cidrs.includes(c));
    if (next.length === 0) {
      throw new CliError(
        `that would leave tenant "${id}" with no allowFrom, which admits every address; ` +
          `to refuse everyone use pgs disable-access ${id}, or pgs allow another address first`,
      );
    }
    return setTenantField(text, id, ["allowFrom"], next);
  });
}
