/**
 * Settings that make the server load a shared library: a library name only, never a path, and,
 * where the image's list is known (postgres-settings/<major>.json), one the image ships. A path
 * would load any file the server can read as code (`session_preload_libraries: /tmp/evil.so`).
 *
 * As PostgreSQL reads them (src/backend/utils/init/miscinit.c load_libraries, utils/adt/varlena.c
 * SplitDirectoriesString, utils/fmgr/dfmgr.c expand_dynamic_library_name, jit/jit.c provider_init):
 *   - the *_preload_libraries lists: comma-separated, whitespace around names trimmed, a name in
 *     double quotes may hold anything ("" is a quote); a list that does not split (an empty name,
 *     an unclosed quote) is only LOGged and no library at all is loaded;
 *   - a name without a directory is looked up in dynamic_library_path ($libdir), as it is and
 *     with .so appended; local_preload_libraries looks in $libdir/plugins only;
 *   - jit_provider is one name, loaded as $libdir/<name>.so (a "/" in it would leave $libdir);
 *   - dynamic_library_path decides where names are looked up: only $libdir keeps them the image's.
 */
import { didYouMean } from "./didYouMean";
import { isSpace } from "./cLocale";
import { shippedLibraries } from "./postgresParameters";

export type LibraryProblem = { message: string; hint?: string };

/** Where each library setting's names are looked up, and whether it is a list. */
const LIBRARY_SETTINGS: Record<string, { dir: "$libdir" | "$libdir/plugins"; list: boolean }> = {
  shared_preload_libraries: { dir: "$libdir", list: true },
  session_preload_libraries: { dir: "$libdir", list: true },
  local_preload_libraries: { dir: "$libdir/plugins", list: true },
  jit_provider: { dir: "$libdir", list: false },
};
const LIBRARY_PATH_SETTING = "dynamic_library_path";
const LIBDIR = "$libdir";

/** Whether the parameter (its canonical name) names libraries or where they are found. */
export function isLibrarySetting(name: string): boolean {
  return name in LIBRARY_SETTINGS || name === LIBRARY_PATH_SETTING;
}

/**
 * SplitDirectoriesString(value, ','): the names, or undefined when the list does not split.
 * (canonicalize_path is not needed: any name with a "/" is refused anyway.)
 */
export function splitLibraryList(value: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (isSpace(value[i])) i++;
  if (i === value.length) return names;
  for (;;) {
    let name: string;
    if (value[i] === '"') {
      name = "";
      for (i++; ; i++) {
        if (i >= value.length) return undefined; // mismatched quotes
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break;
          i++;
        }
        name += value[i];
      }
      i++;
    } else {
      const start = i;
      let end = i;
      while (i < value.length && value[i] !== ",") {
        if (!isSpace(value[i])) end = i + 1;
        i++;
      }
      if (end === start) return undefined; // empty unquoted name
      name = value.slice(start, end);
    }
    while (isSpace(value[i])) i++;
    names.push(name);
    if (i === value.length) return names;
    if (value[i] !== ",") return undefined;
    i++;
    while (isSpace(value[i])) i++;
  }
}

export interface LibraryCheck {
  /** The stack's postgresImages names the image of this major: its libraries cannot be known offline. */
  customImage?: boolean;
}

/**
 * What is wrong with a library setting (`name` as written, `canonical` as the server knows it),
 * or undefined when the server would load what it names from the image's own directory.
 */
export function libraryProblem(
  major: number,
  name: string,
  canonical: string,
  value: string,
  check: LibraryCheck = {},
): LibraryProblem | undefined {
  if (canonical === LIBRARY_PATH_SETTING) {
    return value.trim() === LIBDIR
      ? undefined
      : {
          message: `${name}: ${JSON.stringify(value)} is not allowed: libraries are loaded from the image's own ${LIBDIR} only`,
          hint: `leave it out: the default is ${LIBDIR}`,
        };
  }
  const { dir, list } = LIBRARY_SETTINGS[canonical];
  const names = list ? splitLibraryList(value) : [value];
  if (names === undefined || names.some((n) => n === "")) {
    return {
      message: `${name}: ${JSON.stringify(value)} is not a list of library names`,
      hint: "PostgreSQL would load none of them; separate names with commas, e.g. pg_stat_statements,auto_explain",
    };
  }
  const shipped = check.customImage ? undefined : shippedLibraries(major);
  const unchecked = check.customImage
    ? `; postgresImages names this major's image, so which libraries it ships cannot be checked offline`
    : shipped
      ? ""
      : `; no library list for PostgreSQL ${major}, so which libraries its image ships cannot be checked offline`;
  for (const written of names) {
    const library = libraryName(written, dir);
    if (library === undefined) {
      return {
        message: `${name}: ${JSON.stringify(written)} is a path; only a library name is allowed`,
        hint: `name a library the image ships, such as ${dir === "$libdir" ? "pg_stat_statements" : "auto_explain"}: names are looked up in ${dir}${unchecked}`,
      };
    }
    if (!shipped) continue;
    const available = dir === "$libdir" ? shipped.libdir : shipped.plugins;
    if (available.includes(library)) continue;
    const guess = didYouMean(library, available);
    return {
      message: `${name}: "${written}" is not a library of the PostgreSQL ${major} image${dir === "$libdir" ? "" : `'s ${dir}`}`,
      hint: guess
        ? `did you mean "${guess}"?`
        : available.length === 0
          ? `the image has none there, and ${name} loads only from there; session_preload_libraries loads from $libdir`
          : `the libraries it ships are listed in lib/tenants/postgres-settings/${major}.json`,
    };
  }
  return undefined;
}

/** The library a written name loads from `dir`, without .so; undefined for a path. */
function libraryName(written: string, dir: string): string | undefined {
  const bare = written.startsWith(`${dir}/`) ? written.slice(dir.length + 1) : written;
  if (bare.includes("/") || bare.includes("..") || bare.startsWith("$") || bare === "") return undefined;
  return bare.endsWith(".so") ? bare.slice(0, -3) : bare;
}
