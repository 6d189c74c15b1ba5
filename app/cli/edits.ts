/**
 * The editing commands: each changes tenants.yaml and nothing else, validates the whole result
 * (writing nothing when it is invalid), prints the change as a diff and says the next step.
 * Applying is separate and visible: `--apply`, `pgs up`, or a pull request.
 */
import { appendTenant, editDiff, editTenantsFile, removeTenant, setTenantField } from "../../lib/tenants/edit";
import { parseTenantsFile } from "../../lib/tenants/file";
import { isIpOrCidr } from "../../lib/tenants/ipRange";
import type { Tenant } from "../../lib/tenants/tenant";
import { loadOffline, type Target } from "./context";
import { CliError, type Io, paint } from "./io";

export interface Edited {
  changed: boolean;
  tenantsFile: string;
}

/** Applies `edit` to the stack's tenants file under its lock; prints the diff, or that nothing changed. */
export function editTenants(t: Target, io: Io, edit: (text: string, tenants: Tenant[]) => string): Edited {
  const { settings, tenantsFile, tenants } = loadOffline(t);
  const context = { baseDomain: settings.baseDomain, certificateNames: settings.certificateNames, stack: t.stack };
  const { before, after } = editTenantsFile(
    tenantsFile,
    (text) => edit(text, tenants),
    (text) => parseTenantsFile(text, tenantsFile, context),
  );
  if (before === after) {
    io.out(`${tenantsFile}: already so, nothing to change`);
    return { changed: false, tenantsFile };
  }
  io.out(`${tenantsFile}:`);
  for (const line of editDiff(before, after)) {
    io.out(line.startsWith("+ ") ? paint(io, "green", line) : line.startsWith("- ") ? paint(io, "red", line) : paint(io, "dim", line));
  }
  return { changed: true, tenantsFile };
}

/** What to do after an edit that was not applied. */
export function nextStep(io: Io, t: Target): void {
  io.out(
    `Next: pgs up --stack ${t.stack} to apply it, or commit ${"tenants.yaml"} and open a pull request (the preview shows the same change).`,
  );
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
    ...(o.memory !== undefined || o.cpus !== undefined
      ? { resources: { ...(o.memory !== undefined ? { memory: o.memory } : {}), ...(o.cpus !== undefined ? { cpus: o.cpus } : {}) } }
      : {}),
    ...(o.passwordSecret ? { passwordSecret: o.passwordSecret } : {}),
  };
}

export function createTenant(t: Target, io: Io, id: string, o: CreateOptions): Edited {
  return editTenants(t, io, (text, tenants) => {
    if (tenants.some((x) => x.id === id)) throw new CliError(`tenant "${id}" already exists in the tenants file`);
    return appendTenant(text, createEntry(id, o));
  });
}

export function removeTenantEntry(t: Target, io: Io, id: string): Edited {
  return editTenants(t, io, (text, tenants) => {
    requireTenant(tenants, id);
    return removeTenant(text, id);
  });
}

/** `onRemove: delete`, the first half of `pgs remove --purge`. */
export function markForDeletion(t: Target, io: Io, id: string): Edited {
  return editTenants(t, io, (text, tenants) => {
    requireTenant(tenants, id);
    return setTenantField(text, id, ["onRemove"], "delete");
  });
}

/** `state` of the given tenants (all when none), the default `running` written as no key at all. */
export function setState(t: Target, io: Io, ids: string[], state: "running" | "stopped"): Edited {
  return editTenants(t, io, (text, tenants) => {
    const chosen = ids.length > 0 ? ids.map((id) => requireTenant(tenants, id)) : tenants;
    return chosen.reduce((acc, tenant) => setTenantField(acc, tenant.id, ["state"], state === "running" ? undefined : state), text);
  });
}

export function setAccess(t: Target, io: Io, id: string, access: "enabled" | "disabled"): Edited {
  return editTenants(t, io, (text, tenants) => {
    requireTenant(tenants, id);
    return setTenantField(text, id, ["access"], access === "enabled" ? undefined : access);
  });
}

function checkCidrs(cidrs: string[]): void {
  const bad = cidrs.filter((c) => !isIpOrCidr(c));
  if (bad.length > 0) throw new CliError(`not an IPv4/IPv6 address or CIDR: ${bad.join(", ")}`, 2);
}

/** Adds addresses to `allowFrom`. */
export function allow(t: Target, io: Io, id: string, cidrs: string[]): Edited {
  checkCidrs(cidrs);
  return editTenants(t, io, (text, tenants) => {
    const current = requireTenant(tenants, id).allowFrom;
    const next = [...current, ...cidrs.filter((c) => !current.includes(c))];
    return next.length === current.length ? text : setTenantField(text, id, ["allowFrom"], next);
  });
}

/** Removes addresses from `allowFrom`; never the last one, since an empty list admits every address. */
export function deny(t: Target, io: Io, id: string, cidrs: string[]): Edited {
  checkCidrs(cidrs);
  return editTenants(t, io, (text, tenants) => {
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
