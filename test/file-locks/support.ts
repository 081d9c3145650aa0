/** Shared by test/file-locks/: the lockers and runners of test/support/lockers.ts. */
export * from "../support/lockers.js";
