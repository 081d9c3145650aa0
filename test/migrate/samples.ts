/** Realistic files of the three seeds' formats, ugly parts included, for the import tests. */

/** Seed 001: UUID ids, UPPERCASE statuses, history; one task written by hand with an extra field. */
export const TASKS_JSON = JSON.stringify(
  [
    {
      id: "3f6c1a52-8d4e-4b7a-9c1e-2a5b7d9e0f11",
      description: "Set up the CI pipeline\nRun lint, tests and the build on every push.",
      status: "COMPLETED",
      assigned_to: "Agent1",
      created_at: "2025-10-01T09:00:00.000Z",
      updated_at: "2025-10-01T11:30:00.000Z",
      history: [
        { timestamp: "2025-10-01T09:00:00.000Z", event: "CREATED", agent_id: null, details: "Task created" },
        { timestamp: "2025-10-01T09:05:00.000Z", event: "STATUS_CHANGED", agent_id: "Agent1", details: "Status changed from PENDING to IN_PROGRESS" },
        { timestamp: "2025-10-01T11:30:00.000Z", event: "STATUS_CHANGED", agent_id: "Agent1", details: "Status changed from IN_PROGRESS to COMPLETED" },
      ],
    },
    {
      id: "9b2e4c7d-1f3a-4e5b-8c6d-7e8f9a0b1c22",
      description: "Write the deployment guide",
      status: "IN_PROGRESS",
      assigned_to: "Agent2",
      created_at: "2025-10-02T08:00:00.000Z",
      updated_at: "2025-10-02T08:10:00.000Z",
      estimate_hours: 3,
      history: [{ timestamp: "2025-10-02T08:10:00.000Z", event: "ASSIGNED", agent_id: "Agent2", details: "picked up" }],
    },
    {
      id: "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e33",
      description: "Migrate the old reports",
      status: "failed",
      assigned_to: null,
      created_at: "2025-10-03T08:00:00.000Z",
      updated_at: "2025-10-03T09:00:00.000Z",
      history: [],
    },
    {
      id: "d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e544",
      description: "Tidy the backlog",
      status: "PENDING",
      assigned_to: null,
      created_at: "2025-10-04T08:00:00.000Z",
      updated_at: "2025-10-04T08:00:00.000Z",
      history: [],
    },
  ],
  null,
  2,
);

/** Seed 002: numeric ids, dependencies, claimed_by/claimed_on, types; optional fields missing; a dependency on a missing id. */
export const TASK_QUEUE_JSON = `{
  "version": "2.0",
  "queue": [
    { "id": 7, "title": "Design the schema", "status": "completed", "priority": "HIGH", "type": "technical",
      "dependencies": [], "claimed_by": "Copilot", "claimed_on": "2025-10-10T10:00:00Z", "completed_on": "2025-10-10T12:00:00Z",
      "estimated_hours": 2 },
    { "id": 12, "title": "Generate the PDF export", "status": "in_progress", "priority": "MEDIUM", "type": "technical",
      "dependencies": [7], "claimed_by": "Claude", "claimed_on": "2025-10-11T09:00:00Z" },
    { "id": 13, "title": "Write the launch post", "status": "pending", "type": "content", "dependencies": [12, 99] },
    { "title": "Review copy", "id": "14", "status": "pending", "priority": "low", "type": "any" },
    { "id": 15, "title": "Flaky import job", "status": "poison_pill", "priority": "critical", "retry_count": 3 }
  ]
}
`;

/** Seed 003: CRLF, columns by name in another order, an extra column, short rows, a table that is not tasks. */
export const TASKS_MD = [
  "# Tasks",
  "",
  "## Summary",
  "",
  "| Area | Open |",
  "|------|------|",
  "| SEC | 2 |",
  "",
  "## Security",
  "",
  "| ID | Title | Estimate | Priority | Status | Depends | Source |",
  "|----|-------|----------|----------|--------|---------|--------|",
  "| SEC-18 | Rotate the API keys | 1h | High | done | | review:security-sentinel |",
  "| SEC-19 | Fix auth bug | 2h | Critical | in progress | SEC-18 | manual |",
  "| SEC-21 | Add CSRF tokens \\| forms | 3h | Medium | ready | SEC-18, SEC-19 |",
  "",
  "## UX",
  "",
  "| Status | ID | Title | Priority | Owner | Sprint |",
  "|:------:|----|-------|----------|-------|--------|",
  "| todo | UX-66 | Empty state for the inbox | Low | | 14 |",
  "| blocked | UX-67 | Keyboard shortcuts | | | |",
  "| ready | UX-70 | Dark mode | P1 |",
  "",
].join("\r\n");
