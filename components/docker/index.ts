export * from "./serverFiles";
export * from "./tenantBackup";
export * from "./tenantDatabase";
export * from "./traefikIngress";
