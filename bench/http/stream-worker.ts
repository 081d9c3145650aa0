/**
 * Stream clients of the http bench: `node dist/bench/http/stream-worker.js URL TOKEN N`, forked
 * with IPC. Opens N SSE streams, says ready, and for every event records now − the event's
 * commit time (its `at`; the writer runs on this machine's clock), until told to stop.
 */
import http from "node:http";

const [base, token, countArg] = process.argv.slice(2);
if (!base || !token || !countArg || !process.send) {
  console.error("usage: forked by the bench with IPC: stream-worker.js URL TOKEN N");
  process.exit(2);
}
const url = new URL(base);
const latencies: number[] = [];
const counts: number[] = [];
const requests: http.ClientRequest[] = [];

await Promise.all(
  Array.from({ length: Number(countArg) }, (_, i) => {
    counts[i] = 0;
    return new Promise<void>((resolve, reject) => {
      const request = http.get(
        { host: url.hostname, port: url.port, path: "/api/events/stream", headers: { authorization: `Bearer ${token}` } },
        (response) => {
          let buffer = "";
          response.setEncoding("utf8").on("data", (chunk: string) => {
            if (buffer === "" && chunk.startsWith("retry:")) resolve();
            buffer += chunk;
            for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = /^data: (.*)$/m.exec(frame)?.[1];
              if (!data) continue;
              latencies.push(Date.now() - Date.parse((JSON.parse(data) as { at: string }).at));
              counts[i] = (counts[i] ?? 0) + 1;
            }
          });
        },
      );
      request.on("error", reject);
      requests.push(request);
    });
  }),
);
process.send({ type: "ready" });
process.once("message", () => {
  for (const request of requests) request.destroy();
  process.send?.({ type: "done", latencies, counts });
  process.disconnect();
});
