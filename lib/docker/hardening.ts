/** What every container pgs runs on Docker runs with. */
import { dockerCapabilities } from "./inputs";

/** No raw sockets (no spoofing on the tenant network) and no privilege gain through setuid binaries. */
export const TENANT_CONTAINER_HARDENING = {
  capabilities: { drops: dockerCapabilities(["NET_RAW"]) },
  securityOpts: ["no-new-privileges:true"],
};

/**
 * Every container's log, bounded: Docker's json-file driver (what `docker logs` reads), at most
 * three files of 10 MB each, so no chatty or hostile tenant fills the host's disk through its log.
 */
export const CONTAINER_LOGS = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" } };
