import type { BackupPolicy } from "../tenants/tenant";

const HOUR = 3600;
const DAY = 24 * HOUR;
/** 1970-01-01, where the Docker backup loop counts its slots from, was a Thursday. */
const EPOCH_WEEKDAY = 4;

/**
 * A backup policy as a CronJob schedule (UTC) that fires at exactly the instants the Docker
 * backup loop does (lib/postgres/files/backup-loop.sh): `at` + k × `every`, counted from
 * 1970-01-01T00:00Z. Cron can say that when `every` divides an hour, divides a day in whole
 * hours, or is one week; for anything else (90m, 5h, 2d) there is no schedule: undefined.
 */
export function cronSchedule(policy: BackupPolicy): string | undefined {
  const every = policy.everySeconds;
  const minute = (policy.anchorSeconds / 60) % 60;
  const hour = Math.floor(policy.anchorSeconds / HOUR);
  if (every < HOUR && HOUR % every === 0) {
    const step = every / 60;
    return step === 1 ? "* * * * *" : `${minute % step}-59/${step} * * * *`;
  }
  if (every <= DAY && DAY % every === 0 && every % HOUR === 0) {
    const step = every / HOUR;
    if (step === 1) return `${minute} * * * *`;
    if (step === 24) return `${minute} ${hour} * * *`;
    return `${minute} ${hour % step}-23/${step} * * *`;
  }
  if (every === 7 * DAY) return `${minute} ${hour} * * ${EPOCH_WEEKDAY}`;
  return undefined;
}
