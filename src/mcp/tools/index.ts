/** Every tool baton serves, in the order clients list them (the work loop first). */
import { auditEvents, reserveIds } from "./records.js";
import { addDependency, createTask, createTasks, listTasks, removeDependency, showTask } from "./tasks.js";
import {
  claimTask,
  claimTasks,
  completeTask,
  failTask,
  heartbeatTask,
  nextTask,
  releaseTask,
} from "./work.js";
import { assignTask, boardHealth, cancelTask, healBoard, noteTask, reviveTask, updateTask } from "./lead.js";
import type { BatonTool } from "../tool.js";

export const TOOLS: readonly BatonTool[] = [
  nextTask,
  claimTask,
  claimTasks,
  heartbeatTask,
  completeTask,
  failTask,
  releaseTask,
  listTasks,
  showTask,
  createTask,
  createTasks,
  addDependency,
  removeDependency,
  reserveIds,
  auditEvents,
  updateTask,
  cancelTask,
  assignTask,
  reviveTask,
  noteTask,
  healBoard,
  boardHealth,
];
