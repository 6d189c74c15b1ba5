/**
 * The images images/build.sh makes for machines that cannot pull from a registry, and the stack
 * config that points a stack at them (images/local-images.json holds the versions).
 */
import images from "../images/local-images.json";

const REPOSITORY = "pgs-local";

export const LOCAL_IMAGES = {
  /** `{major}` as in the postgresImage setting. */
  postgres: `${REPOSITORY}/postgres:{major}`,
  traefik: `${REPOSITORY}/traefik:${images.traefik.version}`,
  rclone: `${REPOSITORY}/rclone:${images.rclone.version}`,
  seaweedfs: `${REPOSITORY}/seaweedfs:${images.seaweedfs.version}`,
} as const;

/** The PostgreSQL majors images/build.sh builds. */
export const LOCAL_POSTGRES_MAJORS = Object.keys(images.postgres).map(Number);

/** Stack config that makes a stack use the local images. */
export function localImageConfig(): Record<string, string> {
  return { postgresImage: LOCAL_IMAGES.postgres, traefikImage: LOCAL_IMAGES.traefik, rcloneImage: LOCAL_IMAGES.rclone };
}
