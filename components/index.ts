export * from "./ingressCertificate";
export * from "./tenantDatabase";
export * from "./traefikIngress";
