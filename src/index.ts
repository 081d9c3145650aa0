/**
 * baton's public API: `openBoard(url)` and the types of the board, its tasks and events.
 *
 *   const board = await openBoard("sqlite:.baton/board.db");
 *   const { task, leaseToken } = await board.claim({ agent: "agent-1" });
 *   await board.complete(task.id, { token: leaseToken, result: "done" });
 */
export { openBoard } from "./open-board.js";
export type { OpenBoardOptions } from "./open-board.js";
export { Board } from "./board.js";
export type {
  AuditQuery,
  Claim,
  CompletedAndNext,
  CredentialInput,
  NextClaimOptions,
  EditBy,
  HealReport,
  ListQuery,
  Page,
  PageQuery,
  ReadyQuery,
  Reservation,
  BoardOptions,
} from "./board.js";
export { BatonError, ErrorCode, isBatonError } from "./core/errors.js";
export type { Agent, BoardEvent, EventType, Priority, Task, TaskStatus } from "./core/task.js";
export { ERROR_EVENT_TYPES, EVENT_TYPES, PRIORITIES, TASK_STATUSES } from "./core/task.js";
export type { AuditStats, DurationSummary } from "./core/audit-stats.js";
export type { BoardPolicy, BoardPolicyInput } from "./core/policy.js";
export type { ClaimOptions, NewTaskInput, TaskPatch } from "./core/validation.js";
export { replayTask, ReplayFold, TASK_FIELDS } from "./core/replay.js";
export type { ReplayDifference, ReplayReport } from "./core/replay.js";
export { parseDurationSeconds } from "./core/duration.js";
export type { Store, StoreOptions, StoreReader, StoreWriter, OutcomeBucket, Durability, LockWait } from "./store/store.js";
export { openStore, parseStoreUrl } from "./store/open.js";
// Operations and coordination (docs/operations.md).
export { runMonitor } from "./board/monitor.js";
export { monitorDuties } from "./board/monitor-duties.js";
export type { MonitorAction, MonitorDuty, MonitorOptions, MonitorTick } from "./board/monitor.js";
export type { HealthCheck, HealthReport } from "./board/health.js";
export type { BoardReport } from "./board/report.js";
export type { CopyVerdict } from "./board/backup.js";
export type { RotateOptions, RotateReport } from "./board/audit-rotate.js";
export type { AgentActivity } from "./board/coordination.js";
export type { Pipeline } from "./board/pipeline.js";
export type { AgentLoad, Liveness, ReservationMove } from "./core/workload.js";
export type { EventArchive, StoreCheck } from "./store/store.js";
// Webhooks' runtime (signing, HTTP) is its own entry point, baton-board/webhooks
// (src/webhooks/index.ts), so the CLI's bundle of this module does not carry it.
export type { Webhook, WebhookDelivery } from "./core/webhooks.js";
export type { WebhookStore } from "./store/store.js";
export { withFileLock, writeFileAtomic } from "./locks/file-lock.js";
export type { FileLockOptions, WriteFileAtomicOptions, BrokenLock } from "./locks/file-lock.js";
