export * from "./docker";
export * from "./ingressCertificate";
