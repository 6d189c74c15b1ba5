import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

const ITERATIONS = 4096;

/**
 * A PostgreSQL SCRAM-SHA-256 verifier (RFC 5802/7677), the form `ALTER ROLE ... PASSWORD`
 * stores as is. Uploading the verifier instead of the password means the tenant's password
 * never exists in the container or a server log. The salt derives from the password and a
 * context string, so the same password always gives the same verifier (no perpetual diff).
 */
export function scramSha256Verifier(password: string, context: string): string {
  const salt = createHash("sha256").update(`pgs-scram-salt\0${context}\0${password}`).digest().subarray(0, 16);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
