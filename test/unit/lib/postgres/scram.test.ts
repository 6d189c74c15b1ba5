import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { scramSha256Verifier } from "../../../../lib/postgres/scram";

describe("SCRAM verifiers", () => {
  test("follow RFC 5802: the server key and stored key derive from the salted password", () => {
    const verifier = scramSha256Verifier("correct horse battery staple", "dev/acme");
    const match = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
    expect(match).not.toBeNull();
    const salt = Buffer.from(match![1], "base64");
    expect(salt).toHaveLength(16);
    const salted = pbkdf2Sync("correct horse battery staple", salt, 4096, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    expect(match![2]).toBe(createHash("sha256").update(clientKey).digest("base64"));
    expect(match![3]).toBe(createHmac("sha256", salted).update("Server Key").digest("base64"));
  });

  test("are deterministic per password and tenant, so an unchanged password never replaces a container", () => {
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).toBe(scramSha256Verifier("p".repeat(32), "dev/acme"));
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).not.toBe(scramSha256Verifier("q".repeat(32), "dev/acme"));
    expect(scramSha256Verifier("p".repeat(32), "dev/acme")).not.toBe(scramSha256Verifier("p".repeat(32), "dev/globex"));
  });
});
