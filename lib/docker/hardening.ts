/** What every container a tenant owns runs with on Docker. */
import { dockerCapabilities } from "./inputs";

/** No raw sockets (no spoofing on the tenant network) and no privilege gain through setuid binaries. */
export const TENANT_CONTAINER_HARDENING = {
  capabilities: { drops: dockerCapabilities(["NET_RAW"]) },
  securityOpts: ["no-new-privileges:true"],
};
