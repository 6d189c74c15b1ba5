/**
 * lib/localImages.ts: the images images/build.sh makes for machines without a registry, and the
 * stack config that points a stack at them, read the way the program reads stack settings.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { LOCAL_IMAGES, LOCAL_POSTGRES_MAJORS, localImageConfig } from "../../../lib/localImages";
import { readProjectFile, stackConfig } from "../../../lib/project";
import { readStackSettings } from "../../../lib/stackSettings";
import { SUPPORTED_MAJORS } from "../../../lib/tenants/schema";

const ROOT = path.resolve(__dirname, "../../..");
const VERSIONS = JSON.parse(readFileSync(path.join(ROOT, "images/local-images.json"), "utf8"));
const BUILD_SH = readFileSync(path.join(ROOT, "images/build.sh"), "utf8");

function settingsWith(config: Record<string, string>) {
  const { project, config: all } = stackConfig(ROOT, "unit", config);
  return readStackSettings((key) => all[`${project}:${key}`], project, "unit");
}

test("every image is in the pgs-local repository, tagged with the version images/local-images.json pins", () => {
  expect(LOCAL_IMAGES.traefik).toBe(`pgs-local/traefik:${VERSIONS.traefik.version}`);
  expect(LOCAL_IMAGES.rclone).toBe(`pgs-local/rclone:${VERSIONS.rclone.version}`);
  expect(LOCAL_IMAGES.seaweedfs).toBe(`pgs-local/seaweedfs:${VERSIONS.seaweedfs.version}`);
  for (const ref of Object.values(LOCAL_IMAGES)) expect(ref).toMatch(/^pgs-local\/[a-z]+:[^\s:/]+$/);
});

test("the postgres image is a template: {major} becomes each major images/build.sh builds", () => {
  const settings = settingsWith(localImageConfig());
  for (const major of LOCAL_POSTGRES_MAJORS) expect(settings.postgresImage(major)).toBe(`pgs-local/postgres:${major}`);
  expect(settings.customPostgresImage(18)).toBe(false);
});

test("the local majors are the JSON file's, as numbers, and each one a major pgs supports", () => {
  expect(LOCAL_POSTGRES_MAJORS).toEqual(Object.keys(VERSIONS.postgres).map((k) => Number.parseInt(k, 10)));
  expect(LOCAL_POSTGRES_MAJORS.length).toBeGreaterThan(0);
  for (const major of LOCAL_POSTGRES_MAJORS) expect(SUPPORTED_MAJORS).toContain(major);
});

test("images/build.sh builds, by default, a postgres image for every local major and each other image", () => {
  const defaults = /\(\(\$#\)\) \|\| set -- ([^\n]+)/.exec(BUILD_SH)?.[1].trim().split(/\s+/);
  expect(defaults).toEqual(expect.arrayContaining([...LOCAL_POSTGRES_MAJORS.map((m) => `postgres${m}`), "traefik", "rclone", "seaweedfs"]));
});

test("the stack config names settings Pulumi.yaml declares, and the stack then uses the local images", () => {
  const config = localImageConfig();
  const declared = Object.keys(readProjectFile(ROOT).config);
  for (const key of Object.keys(config)) expect(declared).toContain(key);
  const settings = settingsWith({
    ...config,
    backupS3Endpoint: "http://s3.internal:8333",
    backupS3Bucket: "pgs-backups",
  });
  expect(settings.traefikImage).toBe(LOCAL_IMAGES.traefik);
  expect(settings.backupS3?.rcloneImage).toBe(LOCAL_IMAGES.rclone);
});

test("without the local config a stack keeps Pulumi.yaml's registry images", () => {
  const settings = settingsWith({});
  expect(settings.traefikImage).not.toMatch(/^pgs-local\//);
  expect(settings.postgresImage(18)).not.toMatch(/^pgs-local\//);
});

test("each call gives a fresh object: a caller adding to it changes no other caller's", () => {
  const first = localImageConfig();
  first.extra = "x";
  expect(localImageConfig()).not.toHaveProperty("extra");
});
