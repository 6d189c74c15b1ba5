/** The parameter definitions of each major, from the pg_settings files of the images. */
import settings17 from "../../../../lib/tenants/postgres-settings/17.json";
import settings18 from "../../../../lib/tenants/postgres-settings/18.json";
import {
  isCustomParameter,
  parameterDefinition,
  SETTINGS_DATA_MAJORS,
  settableParameterNames,
  settingsDataMajor,
} from "../../../../lib/tenants/postgresParameters";

describe("data files", () => {
  test.each([
    [17, settings17],
    [18, settings18],
  ] as const)("%i.json comes from the image's server, sorted by name", (major, file) => {
    expect(file.header.major).toBe(major);
    expect(file.header.server_version).toMatch(new RegExp(`^${major}\\.\\d+ `));
    const names = file.settings.map((s) => s.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(names).toContain("shared_buffers");
  });

  test("majors without a file use the nearest one, the newer on a tie", () => {
    expect(SETTINGS_DATA_MAJORS).toEqual([17, 18]);
    expect([14, 15, 16, 17, 18, 19].map(settingsDataMajor)).toEqual([17, 17, 17, 17, 18, 18]);
  });
});

describe.each([17, 18])("PostgreSQL %i", (major) => {
  test("names are found in any case, and obsolete names by the parameter they stand for", () => {
    expect(parameterDefinition(major, "Shared_Buffers")?.name).toBe("shared_buffers");
    expect(parameterDefinition(major, "sort_mem")?.name).toBe("work_mem");
    expect(parameterDefinition(major, "vacuum_mem")?.name).toBe("maintenance_work_mem");
    expect(parameterDefinition(major, "no_such_parameter")).toBeUndefined();
  });

  test("each definition carries the server's context, type, unit and bounds", () => {
    expect(parameterDefinition(major, "work_mem")).toMatchObject({ context: "user", vartype: "integer", unit: "kB", min_val: 64 });
    expect(parameterDefinition(major, "checkpoint_timeout")?.context).toBe("sighup");
    expect(parameterDefinition(major, "log_min_duration_statement")?.context).toBe("superuser");
    expect(parameterDefinition(major, "shared_buffers")).toMatchObject({ context: "postmaster", unit: "8kB" });
    expect(parameterDefinition(major, "block_size")?.context).toBe("internal");
  });

  test("the names offered as guesses leave out the ones that cannot be set", () => {
    const names = settableParameterNames(major);
    expect(names).toContain("shared_buffers");
    expect(names).not.toContain("block_size");
  });
});

test("a name with a dot is an extension's custom placeholder", () => {
  expect(isCustomParameter("pg_stat_statements.max")).toBe(true);
  expect(isCustomParameter("work_mem")).toBe(false);
});

test("ssl_ecdh_curve is its own parameter in 17 and the old name of ssl_groups in 18", () => {
  expect(parameterDefinition(17, "ssl_ecdh_curve")?.name).toBe("ssl_ecdh_curve");
  expect(parameterDefinition(18, "ssl_ecdh_curve")?.name).toBe("ssl_groups");
});
