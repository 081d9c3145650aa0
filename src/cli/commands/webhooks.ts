/**
 * `baton webhook add|list|remove|log|redeliver|deliver` (SPEC §10, docs/webhooks.md). The
 * webhook code (signing, HTTP) loads only when one of these runs.
 */
import { readFileSync } from "node:fs";
import { BatonError, ErrorCode, invalidInput } from "../../core/errors.js";
import { checkWebhookId } from "../../core/webhooks.js";
import { deliveryToWire, webhookToWire } from "../../core/webhook-wire.js";
import { table } from "../human.js";
import { durationSeconds, list, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import type { NewDelivery, Webhook, WebhookDelivery } from "../../core/webhooks.js";
import type { Webhooks } from "../../webhooks/webhooks.js";

async function webhooksOf(ctx: CliContext): Promise<Webhooks> {
  const board = await ctx.board();
  const { Webhooks } = await import("../../webhooks/webhooks.js");
  return new Webhooks(board.store);
}

export function registerWebhookVerbs(program: Command): void {
  const webhook = verb(program, "webhook", "webhooks: deliver board events to HTTP receivers, signed (Standard Webhooks)");

  verb(webhook, "add <url>", "deliver events of these types to URL from now on")
    .requiredOption("--events <types>", "event types, comma-separated: FAILED,POISON_PILL,…")
    .requiredOption("--secret-file <file>", "a file holding the signing secret (whsec_ + base64); it is never printed")
    .action(
      action(async (ctx, [url], o) => {
        const file = o.secretFile as string;
        let secret: string;
        try {
          secret = readFileSync(file, "utf8");
        } catch (error) {
          throw invalidInput(`cannot read --secret-file ${file}: ${(error as Error).message}`);
        }
        const webhooks = await webhooksOf(ctx);
        const hook = await webhooks.add({
          url: url as string,
          events: list(o.events as string) ?? [],
          secret,
          secretSource: file,
        });
        return {
          json: webhookToWire(hook),
          human: `webhook ${hook.id}: ${hook.events.join(", ")} events after seq ${hook.cursor} go to ${hook.url}`,
        };
      }),
    );

  verb(webhook, "list", "the board's webhooks, where each one's delivery stands", { isDefault: true }).action(
    action(async (ctx) => {
      const hooks = await (await webhooksOf(ctx)).list();
      return {
        json: hooks.map(webhookToWire),
        human: hooks.length === 0 ? "no webhooks (add one with `baton webhook add URL --events … --secret-file F`)" : hookTable(hooks, ctx),
      };
    }),
  );

  verb(webhook, "remove <id>", "stop delivering to a webhook and forget its log").action(
    action(async (ctx, [id]) => {
      const hookId = checkWebhookId(id as string);
      await (await webhooksOf(ctx)).remove(hookId);
      return { json: { id: hookId, removed: true }, human: `webhook ${hookId} removed` };
    }),
  );

  verb(webhook, "log [id]", "the delivery log, newest last (of one webhook, or all)")
    .option("--limit <n>", "the newest n entries", "20")
    .action(
      action(async (ctx, [id], o) => {
        const hookId = id === undefined ? undefined : checkWebhookId(id);
        const limit = wholeNumber("--limit", o.limit as string, "20") as number;
        const entries = await (await webhooksOf(ctx)).log({ ...(hookId !== undefined && { hookId }), limit });
        return {
          json: entries.map(deliveryToWire),
          human: entries.length === 0 ? "no deliveries yet" : logTable(entries, ctx),
        };
      }),
    );

  verb(webhook, "redeliver <id>", "send one event to the webhook again now (same webhook-id); exit 1 if the receiver did not take it")
    .requiredOption("--seq <n>", "the event's sequence number (see `baton audit`, `baton webhook log`)")
    .action(
      action(async (ctx, [id], o) => {
        const hookId = checkWebhookId(id as string);
        const seq = wholeNumber("--seq", o.seq as string, "42") as number;
        const delivery = await (await webhooksOf(ctx)).redeliver(hookId, seq);
        if (delivery.outcome !== "delivered") {
          throw new BatonError(
            ErrorCode.STORE_UNAVAILABLE,
            `redelivery of event ${seq} to webhook ${hookId} failed: ${delivery.error}; see \`baton webhook log ${hookId}\``,
            { webhookId: hookId, seq, status: delivery.status },
          );
        }
        return { json: deliveryToWire(delivery), human: attemptLine(delivery) };
      }),
    );

  verb(webhook, "deliver", "deliver due events now (--once), or keep delivering until Ctrl-C; `monitor` and `serve` do this too")
    .option("--once", "one round: deliver what is due, then exit")
    .option("--interval <duration>", "time between rounds", "2s")
    .option("--timeout <duration>", "deadline of one request", "10s")
    .action(
      action(async (ctx, _args, o) => {
        const intervalMs = (durationSeconds("--interval", o.interval as string) as number) * 1000;
        const timeoutMs = (durationSeconds("--timeout", o.timeout as string) as number) * 1000;
        if (intervalMs <= 0 || timeoutMs <= 0) throw invalidInput("--interval and --timeout must be longer than 0");
        const board = await ctx.board();
        const { Deliverer } = await import("../../webhooks/deliverer.js");
        const deliverer = new Deliverer(board.store, {
          timeoutMs,
          onAttempt: (_hook, delivery) =>
            process.stdout.write(ctx.json ? `${JSON.stringify(deliveryToWire(delivery))}\n` : `${attemptLine(delivery)}\n`),
        });
        if (o.once === true) {
          const round = await deliverer.deliverDue();
          return { json: round, human: `${round.delivered} delivered, ${round.failed} failed, ${round.skipped} left to others or backing off` };
        }
        const stopped = new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        deliverer.start(intervalMs, (error) => process.stderr.write(`baton: delivery round failed: ${(error as Error).message}\n`));
        await stopped;
        await deliverer.stop();
      }),
    );
}

function attemptLine(d: NewDelivery): string {
  const what = `webhook ${d.hookId} event ${d.seq} ${d.type} attempt ${d.attempt}${d.redelivery ? " (redelivery)" : ""}`;
  return d.outcome === "delivered" ? `${what}: delivered (${d.status}, ${d.durationMs} ms)` : `${what}: failed: ${d.error}`;
}

function hookTable(hooks: readonly Webhook[], ctx: CliContext): string {
  return table(
    hooks,
    [
      { title: "ID", cell: (h) => String(h.id) },
      { title: "URL", cell: (h) => h.url },
      { title: "EVENTS", cell: (h) => h.events.join(",") },
      { title: "CURSOR", cell: (h) => String(h.cursor) },
      {
        title: "STATE",
        cell: (h) =>
          h.nextAttemptAt !== null
            ? `retry at ${h.nextAttemptAt} after ${h.attempts} failure(s): ${h.lastError ?? ""}`
            : h.leaseHolder !== null
              ? `delivering (${h.leaseHolder})`
              : "up to date",
      },
    ],
    ctx.style,
  );
}

function logTable(entries: readonly WebhookDelivery[], ctx: CliContext): string {
  return table(
    entries,
    [
      { title: "AT", cell: (d) => d.at },
      { title: "HOOK", cell: (d) => String(d.hookId) },
      { title: "SEQ", cell: (d) => String(d.seq) },
      { title: "TYPE", cell: (d) => d.type },
      { title: "TRY", cell: (d) => `${d.attempt}${d.redelivery ? "r" : ""}` },
      { title: "OUTCOME", cell: (d) => `${d.outcome}${d.status === null ? "" : ` ${d.status}`}`, paint: (d) => (d.outcome === "delivered" ? null : "red") },
      { title: "ERROR", cell: (d) => d.error ?? "" },
    ],
    ctx.style,
  );
}
