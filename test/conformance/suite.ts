/**
 * The store conformance suite: every guarantee of SPEC §2–3, run identically on every store.
 * A store's test file calls `runConformanceSuite(factory)`; a store may skip a test only by
 * naming it in `factory.skip` with the reason.
 *
 * Single-process tests use a fake clock advanced by hand; the races and crash tests start real
 * OS processes from dist/test/workers (run `npm run build` first).
 */
import { describe } from "vitest";
import { auditQueryTests } from "./audit-queries.js";
import { auditTests } from "./audit.js";
import { badInputTests } from "./bad-input.js";
import { claimTests } from "./claims.js";
import { completeAndClaimTests } from "./complete-and-claim.js";
import { coordinationTests } from "./coordination.js";
import { crashTests } from "./crashes.js";
import { dependencyTests } from "./dependencies.js";
import { fencingTests } from "./fencing.js";
import { operationTests, retryPolicyTests } from "./operations.js";
import { makeConformance } from "./harness.js";
import { eventPagingBackTests, listFilterTests, pagingTests } from "./paging.js";
import { propertyTests } from "./properties.js";
import { readyWalkTests } from "./ready-walk.js";
import { raceTests } from "./races.js";
import { reservationTests } from "./reservations.js";
import { retryTests } from "./retries.js";
import { rotationTests } from "./rotation.js";
import { throughputTests } from "./throughput.js";
import { versionTests } from "./versions.js";
import { webhookTests } from "./webhooks.js";
import type { BoardFactory } from "./factory.js";

export type { BoardFactory } from "./factory.js";

export function runConformanceSuite(factory: BoardFactory): void {
  describe(`${factory.name} store conformance`, () => {
    const c = makeConformance(factory);
    describe("claims", () => claimTests(c));
    describe("fencing", () => fencingTests(c));
    describe("complete and claim next", () => completeAndClaimTests(c));
    describe("retries", () => retryTests(c));
    describe("dependencies", () => dependencyTests(c));
    describe("reservations", () => reservationTests(c));
    describe("audit", () => auditTests(c));
    describe("audit queries", () => auditQueryTests(c));
    describe("throughput", () => throughputTests(c));
    describe("versions", () => versionTests(c));
    describe("bad input", () => badInputTests(c));
    describe("paging", () => pagingTests(c));
    describe("list filters", () => listFilterTests(c));
    describe("ready walk", () => readyWalkTests(c));
    describe("audit paging back", () => eventPagingBackTests(c));
    describe("properties", () => propertyTests(c));
    describe("coordination", () => coordinationTests(c));
    describe("operations", () => operationTests(c));
    describe("retry policy", () => retryPolicyTests(c));
    describe("races", () => raceTests(c));
    describe("crashes", () => crashTests(c));
    describe("webhooks", () => webhookTests(c));
    describe("audit rotation", () => rotationTests(c));
    c.checkSkipsNamed();
  });
}
