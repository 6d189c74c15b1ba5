/** Jest's globalTeardown of every e2e run: see globalSetup.ts. */
import { cleanupTestObjects } from "./stack";

export default async function globalTeardown(): Promise<void> {
  await cleanupTestObjects();
}
