/**
 * postgresSettings: values parsed as PostgreSQL's GUC code parses them (guc.c parse_int,
 * parse_real, convert_to_base_unit, parse_bool, config_enum_lookup_by_name), checked against
 * the pg_settings files of the images (postgresParameters.test.ts tests those).
 * test/e2e/postgresSettings.test.ts asks the real servers.
 */
import { settingProblem, type SettingValue } from "../../../../lib/tenants/postgresSettings";

type Row = [name: string, value: SettingValue];

const accepted = (major: number, rows: Row[]) =>
  test.each(rows)(`PostgreSQL ${major} accepts %s = %p`, (name, value) => {
    expect(settingProblem(major, name, value)).toBeUndefined();
  });

const refused = (major: number, rows: Array<[...Row, RegExp]>) =>
  test.each(rows)(`PostgreSQL ${major} refuses %s = %p`, (name, value, message) => {
    expect(settingProblem(major, name, value)?.message).toMatch(message);
  });

test("a major without a pg_settings file is checked against the nearest one, and says so", () => {
  expect(settingProblem(16, "shared_bufers", "1MB")).toEqual({
    message: `unknown parameter "shared_bufers" for PostgreSQL 16 (checked against PostgreSQL 17's parameters)`,
    hint: 'did you mean "shared_buffers"?',
  });
  expect(settingProblem(14, "shared_buffers", "lots")?.message).toMatch(/is not a memory size/);
});

describe("operator messages", () => {
  test.each([
    ["shared_buffers", "lots", { message: 'shared_buffers: "lots" is not a memory size (e.g. 128MB; min 128kB)' }],
    ["max_connections", "-5", { message: "max_connections: -5 is below the minimum 1", hint: "allowed: 1 .. 262143" }],
    ["max_connections", -5, { message: "max_connections: -5 is below the minimum 1", hint: "allowed: 1 .. 262143" }],
    ["wal_level", "maximal", { message: 'wal_level: "maximal" is not one of minimal, replica, logical', hint: 'did you mean "minimal"?' }],
    ["wal_level", "replca", { message: 'wal_level: "replca" is not one of minimal, replica, logical', hint: 'did you mean "replica"?' }],
    ["shared_bufers", "1MB", { message: 'unknown parameter "shared_bufers" for PostgreSQL 18', hint: 'did you mean "shared_buffers"?' }],
    [
      "shared_buffers",
      "1gb",
      {
        message: 'shared_buffers: "1gb" is not a memory size (e.g. 128MB; min 128kB)',
        hint: "units are B, kB, MB, GB, TB (case-sensitive)",
      },
    ],
    ["shared_buffers", "64kB", { message: "shared_buffers: 64kB is below the minimum 128kB", hint: "allowed: 128kB .. 8589934584kB" }],
    [
      "max_connections",
      "0.5",
      {
        message: "max_connections: 0.5 is below the minimum 1",
        hint: "PostgreSQL rounds it to 0; allowed: 1 .. 262143",
      },
    ],
    [
      "max_connections",
      "100MB",
      { message: 'max_connections: "100MB" is not an integer (allowed: 1 .. 262143)', hint: "this parameter takes no unit" },
    ],
    [
      "statement_timeout",
      "1H",
      {
        message: 'statement_timeout: "1H" is not a duration (e.g. 30s; min 0)',
        hint: "units are us, ms, s, min, h, d (case-sensitive)",
      },
    ],
    [
      "statement_timeout",
      "25d",
      { message: "statement_timeout: 25d is above the maximum 2147483647ms", hint: "it exceeds the integer range" },
    ],
    ["checkpoint_timeout", "29s", { message: "checkpoint_timeout: 29s is below the minimum 30s", hint: "allowed: 30s .. 1d" }],
    ["vacuum_cost_delay", "100.1", { message: "vacuum_cost_delay: 100.1 is above the maximum 100ms", hint: "allowed: 0 .. 100ms" }],
    ["fsync", "o", { message: 'fsync: "o" is not a boolean', hint: "use on or off (also true/false, yes/no, 1/0)" }],
    [
      "ssl_max_protocol_version",
      "TLSv2",
      {
        message: 'ssl_max_protocol_version: "TLSv2" is not one of "", TLSv1, TLSv1.1, TLSv1.2, TLSv1.3',
        hint: 'did you mean "TLSv1"?',
      },
    ],
  ] as Array<[string, SettingValue, object]>)("%s = %p", (name, value, problem) => {
    expect(settingProblem(18, name, value)).toEqual(problem);
  });

  test("read-only parameters cannot be set", () => {
    expect(settingProblem(18, "block_size", 8192)?.message).toBe(
      "block_size: cannot be set, it is fixed when PostgreSQL is built or the cluster is created",
    );
    expect(settingProblem(17, "server_version", "1")).toBeDefined();
  });
});

describe.each([17, 18])("PostgreSQL %i", (major) => {
  describe("booleans: on/off/true/false/yes/no/1/0, unique prefixes, any case", () => {
    accepted(major, [
      ["fsync", "on"],
      ["fsync", "off"],
      ["fsync", "of"],
      ["fsync", "OFF"],
      ["fsync", "true"],
      ["fsync", "t"],
      ["fsync", "TR"],
      ["fsync", "false"],
      ["fsync", "f"],
      ["fsync", "yes"],
      ["fsync", "y"],
      ["fsync", "no"],
      ["fsync", "N"],
      ["fsync", "1"],
      ["fsync", "0"],
      ["fsync", true],
      ["fsync", false],
      ["fsync", 1],
      ["fsync", 0],
    ]);
    refused(major, [
      ["fsync", "o", /not a boolean/],
      ["fsync", "", /not a boolean/],
      ["fsync", "yess", /not a boolean/],
      ["fsync", " on", /not a boolean/],
      ["fsync", "on ", /not a boolean/],
      ["fsync", "2", /not a boolean/],
      ["fsync", "01", /not a boolean/],
      ["fsync", 2, /not a boolean/],
      ["fsync", "enabled", /not a boolean/],
    ]);
  });

  describe("integers: decimal, hex, octal, floats rounded half to even", () => {
    accepted(major, [
      ["max_connections", 100],
      ["max_connections", "100"],
      ["max_connections", " 42 "],
      ["max_connections", "+7"],
      ["max_connections", "0x10"],
      ["max_connections", "0X1f"],
      ["max_connections", "010"],
      ["max_connections", "1e2"],
      ["max_connections", "1E2"],
      ["max_connections", "1.5"],
      ["max_connections", "2.5"],
      ["max_connections", 1],
      ["max_connections", 262143],
      ["max_prepared_transactions", ".5"],
      ["max_prepared_transactions", "0.5"],
      ["max_prepared_transactions", "-0.5"],
      ["max_prepared_transactions", "0x1.8"],
    ]);
    refused(major, [
      ["max_connections", "lots", /is not an integer/],
      ["max_connections", "", /is not an integer/],
      ["max_connections", "08", /is not an integer/],
      ["max_connections", "0x", /is not an integer/],
      ["max_connections", "100MB", /is not an integer/],
      ["max_connections", "1e", /is not an integer/],
      ["max_connections", "-5", /below the minimum 1/],
      ["max_connections", 0, /below the minimum 1/],
      ["max_connections", "0.5", /below the minimum 1/],
      ["max_connections", 262144, /above the maximum 262143/],
      ["max_connections", "99999999999999999999", /above the maximum/],
      ["max_connections", "1e10", /above the maximum/],
      ["max_prepared_transactions", " .5", /is not an integer/],
      ["max_prepared_transactions", "-.5", /is not an integer/],
      ["max_prepared_transactions", "inf", /is not an integer/],
      ["max_prepared_transactions", "e5", /is not an integer/],
      ["max_prepared_transactions", "-1", /below the minimum 0/],
    ]);
  });

  describe("memory units B, kB, MB, GB, TB, converted to the parameter's unit", () => {
    accepted(major, [
      ["shared_buffers", "128MB"],
      ["shared_buffers", "128kB"],
      ["shared_buffers", 16],
      ["shared_buffers", "127kB"],
      ["shared_buffers", "0x1B"],
      ["shared_buffers", "1.5GB"],
      ["shared_buffers", " 1 GB "],
      ["shared_buffers", "131072B"],
      ["shared_buffers", "1TB"],
      ["shared_buffers", "8589934584kB"],
      ["work_mem", "64kB"],
      ["work_mem", "64.4kB"],
      ["work_mem", "63.5kB"],
      ["work_mem", "65536B"],
      ["work_mem", "0x40"],
      ["work_mem", "1.999TB"],
      // 15.5 blocks: rint() rounds half to even, to 16 = the minimum
      ["shared_buffers", "126976B"],
      ["shared_buffers", "126977B"],
      ["max_wal_size", "2MB"],
      ["max_wal_size", "1GB"],
      ["wal_buffers", -1],
      ["temp_file_limit", "-1"],
    ]);
    refused(major, [
      ["shared_buffers", "lots", /is not a memory size \(e\.g\. 128MB; min 128kB\)/],
      ["shared_buffers", "1gb", /is not a memory size/],
      ["shared_buffers", "1 GBs", /is not a memory size/],
      ["shared_buffers", "1KB", /is not a memory size/],
      ["shared_buffers", "1 k B", /is not a memory size/],
      ["shared_buffers", "64kB", /below the minimum 128kB/],
      ["shared_buffers", "120kB", /below the minimum 128kB/],
      ["shared_buffers", 15, /below the minimum 128kB/],
      ["shared_buffers", "126975B", /below the minimum 128kB/],
      // 1.999999999TB is rounded to whole GB first (convert_to_base_unit): 2TB, beyond INT_MAX kB
      ["work_mem", "1.999999999TB", /above the maximum 2147483647kB/],
      ["work_mem", "1.9999999999TB", /above the maximum/],
      ["shared_buffers", "8589934592kB", /above the maximum 8589934584kB/],
      ["shared_buffers", "9TB", /above the maximum/],
      ["work_mem", "63kB", /below the minimum 64kB/],
      ["work_mem", "2TB", /above the maximum/],
      ["max_wal_size", "1MB", /below the minimum 2MB/],
      ["wal_buffers", -2, /below the minimum -1/],
    ]);
  });

  describe("time units us, ms, s, min, h, d, converted to the parameter's unit", () => {
    accepted(major, [
      ["statement_timeout", "1min"],
      ["statement_timeout", "1.5s"],
      ["statement_timeout", "500us"],
      ["statement_timeout", "24d"],
      ["statement_timeout", "1 h"],
      ["statement_timeout", 0],
      ["statement_timeout", "2147483647"],
      ["statement_timeout", "1e3ms"],
      ["checkpoint_timeout", "30s"],
      ["checkpoint_timeout", "0.5min"],
      ["checkpoint_timeout", "29500ms"],
      ["checkpoint_timeout", "86400.5s"],
      ["checkpoint_timeout", "1d"],
      ["checkpoint_timeout", 30],
      ["log_rotation_age", "1h"],
      ["log_rotation_age", "90s"],
      ["log_rotation_age", "29s"],
      ["log_rotation_age", "1ms"],
    ]);
    refused(major, [
      ["statement_timeout", "25d", /above the maximum 2147483647ms/],
      ["statement_timeout", "2147483648", /above the maximum/],
      ["statement_timeout", "1H", /is not a duration/],
      ["statement_timeout", "1 mins", /is not a duration/],
      ["statement_timeout", "1sec", /is not a duration/],
      ["statement_timeout", "1e400", /is not a duration/],
      ["statement_timeout", -1, /below the minimum 0/],
      ["checkpoint_timeout", "29s", /below the minimum 30s/],
      ["checkpoint_timeout", "29499ms", /below the minimum 30s/],
      ["checkpoint_timeout", "86400.6s", /above the maximum 1d/],
      ["checkpoint_timeout", "86401s", /above the maximum 1d/],
      ["checkpoint_timeout", "1min 30s", /is not a duration/],
    ]);
  });

  describe("reals, with time units where the parameter has one", () => {
    accepted(major, [
      ["vacuum_cost_delay", "100ms"],
      ["vacuum_cost_delay", "0.1s"],
      ["vacuum_cost_delay", "150us"],
      ["vacuum_cost_delay", "-0"],
      ["vacuum_cost_delay", 99.99],
      ["vacuum_cost_delay", "1 ms "],
      ["random_page_cost", "1.7976931348623157e308"],
      ["random_page_cost", "4 "],
      ["random_page_cost", "0x10"],
      ["random_page_cost", 1.1],
      ["random_page_cost", "1e-300"],
      ["geqo_selection_bias", "1.5"],
      ["geqo_selection_bias", 2],
      ["cpu_tuple_cost", "0"],
    ]);
    refused(major, [
      ["vacuum_cost_delay", "100.1", /above the maximum 100ms/],
      ["vacuum_cost_delay", "1min", /above the maximum/],
      ["vacuum_cost_delay", "1 MS", /is not a duration/],
      ["random_page_cost", "1.797695e308", /is not a number/],
      ["random_page_cost", "inf", /above the maximum/],
      ["random_page_cost", "nan", /is not a number/],
      ["random_page_cost", "4x", /is not a number/],
      ["random_page_cost", "-0.0001", /below the minimum 0/],
      ["random_page_cost", "1e-320", /is not a number/],
      ["geqo_selection_bias", "1.49999", /below the minimum 1\.5/],
      ["geqo_selection_bias", "2.0000001", /above the maximum 2/],
    ]);
  });

  describe("enums: case-insensitive, hidden spellings included", () => {
    accepted(major, [
      ["wal_level", "replica"],
      ["wal_level", "Replica"],
      ["wal_level", "LOGICAL"],
      ["wal_level", "hot_standby"],
      ["wal_level", "ARCHIVE"],
      ["synchronous_commit", true],
      ["synchronous_commit", "remote_apply"],
      ["synchronous_commit", 0],
      ["log_min_messages", "DEBUG"],
      ["client_min_messages", "info"],
      ["default_transaction_isolation", "Read Committed"],
      ["ssl_max_protocol_version", ""],
      ["huge_pages", "try"],
      ["huge_pages", "yes"],
    ]);
    refused(major, [
      ["wal_level", "maximal", /is not one of minimal, replica, logical/],
      ["wal_level", true, /is not one of/],
      ["wal_level", " replica", /is not one of/],
      ["synchronous_commit", "of", /is not one of/],
      ["client_min_messages", "fatal", /is not one of/],
      ["ssl_min_protocol_version", "", /is not one of/],
      ["default_transaction_isolation", "read  committed", /is not one of/],
    ]);
  });

  describe("strings are accepted as they are", () => {
    accepted(major, [
      ["application_name", "anything at all"],
      ["search_path", '"$user", public'],
      ["TimeZone", "UTC"],
      ["timezone", 42],
    ]);
  });

  describe("names", () => {
    accepted(major, [
      ["Shared_Buffers", "1MB"],
      ["sort_mem", "1MB"],
      ["vacuum_mem", "64MB"],
      ["ssl_ecdh_curve", "prime256v1"],
      // Custom placeholders (extension parameters): PostgreSQL accepts any value until the extension loads.
      ["pg_stat_statements.max", "lots"],
      ["pg_stat_statements.track", true],
      ["auto_explain.log_min_duration", "-7"],
    ]);
    refused(major, [
      ["shared_bufers", "1MB", new RegExp(`unknown parameter "shared_bufers" for PostgreSQL ${major}$`)],
      ["no_such_parameter", "1", /unknown parameter/],
      ["block_size", 8192, /cannot be set/],
      ["sort_mem", "1kB", /below the minimum 64kB/],
    ]);

    test("did-you-mean hints", () => {
      expect(settingProblem(major, "shared_bufers", "1MB")?.hint).toBe('did you mean "shared_buffers"?');
      expect(settingProblem(major, "max_conections", 5)?.hint).toBe('did you mean "max_connections"?');
      expect(settingProblem(major, "work_men", "4MB")?.hint).toBe('did you mean "work_mem"?');
      expect(settingProblem(major, "zzzzzzzz", "1")?.hint).toBe("see pg_settings (SHOW ALL) for the parameter names");
    });
  });
});

describe("differences between the majors", () => {
  test("io_method is new in 18", () => {
    expect(settingProblem(18, "io_method", "worker")).toBeUndefined();
    expect(settingProblem(17, "io_method", "worker")?.message).toBe('unknown parameter "io_method" for PostgreSQL 17');
  });

  test("ssl_ecdh_curve is its own parameter in 17 and the old name of ssl_groups in 18", () => {
    expect(settingProblem(17, "ssl_ecdh_curve", "prime256v1")).toBeUndefined();
    expect(settingProblem(18, "ssl_ecdh_curve", "X25519:prime256v1")).toBeUndefined();
  });
});

test("booleans follow parse_bool_with_len: unique prefixes of two characters for on/off", () => {
  const accepted = (v: string) => settingProblem(18, "fsync", v) === undefined;
  expect(["on", "ON", "of", "t", "fa", "y", "n", "1", "0"].filter((v) => !accepted(v))).toEqual([]);
  expect(["o", "", "onn", "offf", "truex", "10", "-1", " yes"].filter(accepted)).toEqual([]);
});
