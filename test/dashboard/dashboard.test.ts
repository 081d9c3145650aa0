/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * `baton serve` process, while the CLI works the same board as agents do: what a person sees
 * must follow the board live, and a person's action must never overwrite an agent's work.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baton, batonJson, freshBoardDir } from "../cli/cli.js";
import { startServer } from "../http/server-process.js";
import { launchBrowser, screenshot } from "./browser.js";
import type { Browser, Page } from "playwright-core";
import type { ServerProcess } from "../http/server-process.js";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function signedInPage(server: ServerProcess): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.loginUrl);
  await page.getByTestId("stream-state").getByText("live").waitFor();
  return page;
}

const card = (page: Page, status: string, id: string) => page.getByTestId(`column-${status}`).getByTestId(`card-${id}`);

describe("the dashboard follows the board live", () => {
  it("shows the tasks; a CLI add and claim appear within 2 s without reload; an expired lease goes back to pending after heal", async () => {
    const dir = freshBoardDir();
    baton(["add", "Write the parser", "--priority", "high"], { cwd: dir });
    baton(["add", "Document the parser", "--after", "T-1"], { cwd: dir });
    const server = await startServer(dir);
    try {
      const page = await signedInPage(server);
      await card(page, "pending", "T-1").waitFor();
      await expect(card(page, "pending", "T-2").textContent()).resolves.toContain("Document the parser");
      await screenshot(page, "board");

      baton(["add", "Added from the CLI"], { cwd: dir });
      await card(page, "pending", "T-3").waitFor({ timeout: 2000 });

      const claim = batonJson(["claim", "--id", "T-1", "--lease", "3s", "--agent", "agent-7"], { cwd: dir });
      expect(claim.id ?? claim.task?.id).toBe("T-1");
      const held = card(page, "in_progress", "T-1");
      await held.waitFor({ timeout: 2000 });
      await expect(held.textContent()).resolves.toContain("agent-7");
      await held.getByTestId("lease-countdown").getByText(/expired/).waitFor({ timeout: 6000 });

      // The page judges expiry on its estimate of the server's clock (the Date header, to a
      // second); heal judges it on this machine's. Heal only once the store's own clock has passed it.
      const expiresAt = Date.parse(String(batonJson(["show", "T-1"], { cwd: dir }).lease_expires_at));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 50)));
      const healed = batonJson(["heal"], { cwd: dir });
      expect(healed.timed_out).toEqual(["T-1"]);
      // The issue sets 2 s for add and claim only; a healed task just has to come back.
      await card(page, "pending", "T-1").waitFor({ timeout: 10_000 });
      expect(await card(page, "in_progress", "T-1").count()).toBe(0);
      await page.context().close();
    } finally {
      await server.stop();
    }
  });
});

describe("a person's edit never overwrites an agent's work", () => {
  it("an edit that races the holder's heartbeat gets the 412 view, nothing is written, and the retry applies on the new version", async () => {
    const dir = freshBoardDir();
    baton(["add", "Original title"], { cwd: dir });
    const claim = batonJson(["claim", "--lease", "10m", "--agent", "agent-1"], { cwd: dir });
    const token = claim.lease_token ?? claim.task?.lease_token;
    const server = await startServer(dir);
    try {
      const page = await signedInPage(server);
      await page.goto(`${server.url}/#/task/T-1`);
      await page.getByTestId("task-view").waitFor();
      await page.getByRole("button", { name: "Edit" }).click();
      await page.getByRole("textbox", { name: "Title", exact: true }).fill("Title from a person");

      const before = batonJson(["show", "T-1"], { cwd: dir });
      expect(baton(["heartbeat", "T-1", "--token", String(token), "--agent", "agent-1"], { cwd: dir }).code).toBe(0);
      const afterHeartbeat = batonJson(["show", "T-1"], { cwd: dir });
      expect(afterHeartbeat.version).toBe(before.version + 1);

      await page.getByRole("button", { name: "Save" }).click();
      const conflict = page.getByTestId("conflict");
      await conflict.waitFor();
      await expect(conflict.textContent()).resolves.toContain("lease_expires_at");
      await screenshot(page, "task-conflict");
      const untouched = batonJson(["show", "T-1"], { cwd: dir });
      expect(untouched.title).toBe("Original title");
      expect(untouched.version).toBe(afterHeartbeat.version);
      expect(untouched.lease_expires_at).toBe(afterHeartbeat.lease_expires_at);

      await conflict.getByRole("button", { name: /Retry on version/ }).click();
      await page.getByRole("heading", { name: /Title from a person/ }).waitFor();
      const edited = batonJson(["show", "T-1"], { cwd: dir });
      expect(edited.title).toBe("Title from a person");
      expect(edited.status).toBe("in_progress");
      expect(edited.lease_token).toBe(token);
      const audit = batonJson(["audit", "--task", "T-1"], { cwd: dir }) as { type: string; agent_id: string | null }[];
      expect(audit.filter((e) => e.type === "UPDATED").map((e) => e.agent_id)).toEqual(["operator"]);
      await page.context().close();
    } finally {
      await server.stop();
    }
  });
});

describe("the stream survives a server restart", () => {
  it("the page says it is disconnected, reconnects by itself and shows every event of the gap exactly once", async () => {
    const dir = freshBoardDir();
    baton(["add", "Before the restart"], { cwd: dir });
    let server = await startServer(dir);
    const port = new URL(server.url).port;
    const page = await signedInPage(server);
    try {
      await page.goto(`${server.url}/#/audit`);
      await page.getByTestId("audit-table").locator("tr[data-seq]").first().waitFor();
      await server.stop();
      await page.getByTestId("stream-state").getByText(/disconnected/).waitFor({ timeout: 10_000 });
      await screenshot(page, "stream-disconnected");

      for (let i = 1; i <= 5; i++) baton(["add", `While the server was down ${i}`], { cwd: dir });
      server = await startServer(dir, ["--port", port]);
      await page.getByTestId("stream-state").getByText("live").waitFor({ timeout: 15_000 });
      const all = batonJson(["audit"], { cwd: dir }) as { seq: number }[];
      const newest = all[all.length - 1]!.seq;
      await page.locator(`tr[data-seq="${newest}"]`).waitFor({ timeout: 5000 });
      const shown = await page.getByTestId("audit-table").locator("tr[data-seq]").evaluateAll((rows) =>
        rows.map((row) => Number(row.getAttribute("data-seq"))),
      );
      expect(shown).toEqual(all.map((e) => e.seq).reverse());
    } finally {
      await page.context().close();
      await server.stop();
    }
  });
});

describe("who may see and act", () => {
  it("without a sign-in the page shows the sign-in hint and no board", async () => {
    const dir = freshBoardDir();
    baton(["add", "Secret task"], { cwd: dir });
    const server = await startServer(dir);
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(server.url);
      await page.getByTestId("sign-in").waitFor();
      expect(await page.getByText("Secret task").count()).toBe(0);
      await screenshot(page, "sign-in");
      await page.context().close();
    } finally {
      await server.stop();
    }
  });

  it("a read token shows no action buttons and the API refuses its writes", async () => {
    const dir = freshBoardDir();
    baton(["add", "Look, don't touch"], { cwd: dir });
    const tokenFile = `${dir}/tokens`;
    const { writeFileSync } = await import("node:fs");
    writeFileSync(tokenFile, "viewer read viewer-token-0123456789abcdef\n");
    const server = await startServer(dir, ["--token-file", tokenFile]);
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { authorization: "Bearer viewer-token-0123456789abcdef" } });
      const page = await context.newPage();
      await page.goto(`${server.url}/#/task/T-1`);
      await page.getByTestId("task-view").waitFor();
      await page.getByText("read only").waitFor();
      expect(await page.getByRole("button").count()).toBe(0);
      const refused = (await page.evaluate(`fetch("/api/tasks/T-1/cancel", { method: "POST", headers: { "content-type": "application/json", "if-match": '"1"' }, body: "{}" })
        .then(async (response) => ({ status: response.status, body: await response.json() }))`)) as { status: number; body: { error: { code: string } } };
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("FORBIDDEN");
      expect(batonJson(["show", "T-1"], { cwd: dir }).status).toBe("pending");
      await context.close();
    } finally {
      await server.stop();
    }
  });
});

describe("keyboard and accessibility", () => {
  it("every view is reachable and every action runs by Tab and Enter; axe finds no serious violation in any view", async () => {
    const dir = freshBoardDir();
    baton(["add", "Keyboard task", "--needs", "technical"], { cwd: dir });
    baton(["add", "Failing task"], { cwd: dir });
    batonJson(["claim", "--id", "T-2", "--agent", "agent-2"], { cwd: dir });
    baton(["fail", "T-2", "--agent", "agent-2", "--error", "tests red"], { cwd: dir });
    const server = await startServer(dir);
    try {
      const page = await signedInPage(server);
      for (const view of ["board", "agents", "failures", "audit", "throughput"]) {
        await page.goto(`${server.url}/#/${view}`);
        await page.locator("main h2").first().waitFor();
        await page.waitForTimeout(300);
        await screenshot(page, `view-${view}`);
        const result = await new AxeBuilder({ page }).analyze();
        const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        expect(serious.map((v) => `${view}: ${v.id} ${v.help} (${v.nodes.length})`)).toEqual([]);
      }

      // From the top of the board: Tab to the first card, Enter opens it, Tab to Cancel, Enter.
      await page.goto(`${server.url}/#/board`);
      await card(page, "pending", "T-1").waitFor();
      let guard = 0;
      while ((await page.evaluate("document.activeElement?.getAttribute('href')")) !== "#/task/T-1" && guard++ < 60) {
        await page.keyboard.press("Tab");
      }
      expect(guard).toBeLessThan(60);
      await page.keyboard.press("Enter");
      await page.getByTestId("task-view").waitFor();
      await screenshot(page, "view-task");
      const axe = await new AxeBuilder({ page }).analyze();
      expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
      guard = 0;
      while ((await page.evaluate("document.activeElement?.textContent")) !== "Cancel task" && guard++ < 60) {
        await page.keyboard.press("Tab");
      }
      expect(guard).toBeLessThan(60);
      await page.keyboard.press("Enter");
      await page.getByTestId("task-view").getByText("cancelled").first().waitFor();
      expect(batonJson(["show", "T-1"], { cwd: dir }).status).toBe("cancelled");
    } finally {
      await server.stop();
    }
  });
});
