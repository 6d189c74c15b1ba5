/**
 * PostgreSQL's own parameter definitions, per major: pg_settings of the project's images,
 * extracted by lib/tenants/postgres-settings/extract.sh into <major>.json (17 and 18: the majors
 * the images carry). Other majors are checked against the nearest major that has a file (14-16
 * against 17): see `settingsDataMajor`.
 *
 * Each file also lists the libraries its image ships (`libraries`: the .so files of $libdir,
 * `plugin_libraries`: those of $libdir/plugins), which library settings may name.
 *
 * Names are found as set_config_with_handle / find_option find them (src/backend/utils/misc/guc.c):
 * case-insensitive, the obsolete names of map_old_guc_names included; names with a dot are custom
 * placeholders, which no file lists.
 */
import settings17 from "./postgres-settings/17.json";
import settings18 from "./postgres-settings/18.json";
import { asciiLower } from "./cLocale";

export type VarType = "bool" | "integer" | "real" | "string" | "enum";
export type SettingContext = "internal" | "postmaster" | "sighup" | "superuser-backend" | "backend" | "superuser" | "user";

/** One row of pg_settings, plus the enum spellings the server accepts but does not list. */
export interface ParameterDefinition {
  name: string;
  vartype: VarType;
  unit: string | null;
  min_val: number | null;
  max_val: number | null;
  enumvals: string[] | null;
  hidden_enumvals?: string[];
  context: SettingContext;
  short_desc: string;
}

interface SettingsFile {
  header: { major: number; server_version: string };
  settings: ParameterDefinition[];
  libraries: string[];
  plugin_libraries: string[];
}

/** The majors that have a pg_settings file; others use the nearest of these. */
const FILES: Record<number, SettingsFile> = {
  17: settings17 as SettingsFile,
  18: settings18 as SettingsFile,
};
export const SETTINGS_DATA_MAJORS: readonly number[] = Object.keys(FILES)
  .map(Number)
  .sort((a, b) => a - b);

/**
 * Obsolete names the server maps to current ones (guc.c map_old_guc_names), used only when
 * the name is not a parameter of that major itself (ssl_ecdh_curve is one in 17).
 */
const OLD_NAMES: Record<string, string> = {
  sort_mem: "work_mem",
  vacuum_mem: "maintenance_work_mem",
  ssl_ecdh_curve: "ssl_groups",
};

/** The major whose pg_settings file checks `major`'s settings: itself, or the nearest with a file. */
export function settingsDataMajor(major: number): number {
  let best = SETTINGS_DATA_MAJORS[0];
  for (const m of SETTINGS_DATA_MAJORS) {
    if (Math.abs(m - major) < Math.abs(best - major) || (Math.abs(m - major) === Math.abs(best - major) && m > best)) best = m;
  }
  return best;
}

const byMajor = new Map<number, Map<string, ParameterDefinition>>();
function definitions(major: number): Map<string, ParameterDefinition> {
  const dataMajor = settingsDataMajor(major);
  let map = byMajor.get(dataMajor);
  if (!map) {
    map = new Map(FILES[dataMajor].settings.map((d) => [asciiLower(d.name), d]));
    byMajor.set(dataMajor, map);
  }
  return map;
}

/** Extension-qualified names (a dot) are custom placeholders: the server accepts them unchecked. */
export function isCustomParameter(name: string): boolean {
  return name.includes(".");
}

/** The definition the server uses for `name` (any case, obsolete names too), if it is a parameter of `major`. */
export function parameterDefinition(major: number, name: string): ParameterDefinition | undefined {
  const defs = definitions(major);
  const key = asciiLower(name);
  return defs.get(key) ?? (OLD_NAMES[key] ? defs.get(OLD_NAMES[key]) : undefined);
}

/** The names of the parameters of `major` that can be set at all (for "did you mean"). */
export function settableParameterNames(major: number): string[] {
  return [...definitions(major).values()].filter((d) => d.context !== "internal").map((d) => d.name);
}

/** The libraries (names without .so) an image of `major` ships, when that major has a file of its own. */
export interface ShippedLibraries {
  /** In $libdir (`pg_config --pkglibdir`): what shared_preload_libraries and session_preload_libraries load. */
  libdir: readonly string[];
  /** In $libdir/plugins: the only ones local_preload_libraries loads. */
  plugins: readonly string[];
}

export function shippedLibraries(major: number): ShippedLibraries | undefined {
  const file = FILES[major];
  return file ? { libdir: file.libraries, plugins: file.plugin_libraries } : undefined;
}

/**
 * Whether a setting takes effect without a server restart (its context is not `postmaster`): a
 * reload re-reads it. Only known parameters of majors with data are: custom (extension) names
 * and majors checked against another major's data restart, to be safe.
 */
export function reloadable(major: number, name: string): boolean {
  if (isCustomParameter(name) || settingsDataMajor(major) !== major) return false;
  const context = parameterDefinition(major, name)?.context;
  return context !== undefined && context !== "postmaster" && context !== "internal";
}
