/**
 * Jest's globalSetup and globalTeardown of every e2e run (jest.base.js): what the tests made on
 * Docker outside any stack (the psql client, SeaweedFS …) is removed before the first suite and
 * after the last, never between suites that may be running side by side.
 */
import { cleanupTestObjects } from "./stack";

export default async function globalSetup(): Promise<void> {
  await cleanupTestObjects();
}
