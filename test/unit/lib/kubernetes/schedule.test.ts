/** Backup schedules as CronJob schedules: the same instants as the Docker backup loop, or none. */
import { cronSchedule } from "../../../../lib/kubernetes/schedule";
import { resolveBackup } from "../../../../lib/tenants/tenant";

const policy = (every: string, at?: string) => resolveBackup(undefined, { every, keep: 1, ...(at ? { at } : {}) })!;

/** Does a five-field cron schedule (numbers, lists, `*`, `a-b/step`) fire at this UTC minute? */
function fires(schedule: string, t: Date): boolean {
  const values = [t.getUTCMinutes(), t.getUTCHours(), t.getUTCDate(), t.getUTCMonth() + 1, t.getUTCDay()];
  return schedule.split(" ").every((field, i) =>
    field.split(",").some((part) => {
      if (part === "*") return true;
      const [range, step] = part.split("/");
      const [from, to] = range.includes("-") ? range.split("-").map(Number) : [Number(range), step ? 59 : Number(range)];
      return values[i] >= from && values[i] <= to && (values[i] - from) % Number(step ?? 1) === 0;
    }),
  );
}

/** The Docker loop's slots (lib/postgres/files/backup-loop.sh): at + k × every since the epoch. */
const dockerSlot = (p: ReturnType<typeof policy>, t: Date) =>
  (((t.getTime() / 1000 - p.anchorSeconds) % p.everySeconds) + p.everySeconds) % p.everySeconds === 0;

test.each([
  ["1m", undefined, "* * * * *"],
  ["15m", "00:10", "10-59/15 * * * *"],
  ["30m", undefined, "0-59/30 * * * *"],
  ["1h", "03:20", "20 * * * *"],
  ["6h", "03:00", "0 3-23/6 * * *"],
  ["6h", "09:30", "30 3-23/6 * * *"],
  ["24h", "03:00", "0 3 * * *"],
  ["1d", "23:59", "59 23 * * *"],
  ["7d", "02:00", "0 2 * * 4"],
])("every %s at %s is %s", (every, at, expected) => {
  expect(cronSchedule(policy(every, at))).toBe(expected);
});

test.each(["90m", "45m", "5h", "2d", "14d"])("every %s has no CronJob schedule", (every) => {
  expect(cronSchedule(policy(every))).toBeUndefined();
});

test.each([
  ["1m", "00:00"],
  ["7m", "00:00"],
  ["20m", "00:05"],
  ["2h", "01:45"],
  ["8h", "07:00"],
  ["12h", "13:13"],
  ["24h", "03:00"],
  ["7d", "02:00"],
])("every %s at %s fires at exactly the Docker loop's instants over two weeks, when it can be said at all", (every, at) => {
  const p = policy(every, at);
  const schedule = cronSchedule(p);
  const start = Date.UTC(2026, 0, 1);
  const mismatches: string[] = [];
  for (let t = start; t < start + 15 * 86_400_000; t += 60_000) {
    const when = new Date(t);
    const docker = dockerSlot(p, when);
    if (schedule === undefined ? false : fires(schedule, when) !== docker) mismatches.push(when.toISOString());
  }
  if (every === "7m") expect(schedule).toBeUndefined();
  else expect(schedule).toBeDefined();
  expect(mismatches.slice(0, 3)).toEqual([]);
});
