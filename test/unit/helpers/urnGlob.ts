/** Pulumi's URN globs (pkg/resource/deploy/deployment.go getMatcher): `**` matches anything, `*` anything but `:`. */
export function urnGlob(pattern: string): RegExp {
  const part = (p: string) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^:]*");
  return new RegExp(`^${pattern.split("**").map(part).join(".*")}$`);
}
