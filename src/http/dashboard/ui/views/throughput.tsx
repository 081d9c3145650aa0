/**
 * Completions and failures per minute over the last hours, drawn with uPlot; new COMPLETED /
 * FAILED events from the stream are counted into the newest bucket as they arrive.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, query } from "../api.js";
import { ErrorLine } from "../components.js";
import { stream } from "../stream.js";

interface Throughput {
  bucket_seconds: number;
  buckets: { at: string; completed: number; failed: number }[];
}

export function ThroughputView() {
  const [hours, setHours] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const chartBox = useRef<HTMLDivElement>(null);
  const [totals, setTotals] = useState({ completed: 0, failed: 0 });

  useEffect(() => {
    let chart: uPlot | null = null;
    let series: [number[], number[], number[]] = [[], [], []];
    let bucketSeconds = 60;
    let cancelled = false;
    const draw = (): void => {
      chart?.setData(series);
      setTotals({
        completed: series[1].reduce((a, b) => a + b, 0),
        failed: series[2].reduce((a, b) => a + b, 0),
      });
    };
    api<Throughput>("GET", `/api/stats/throughput${query({ minutes: hours * 60 })}`).then(
      (answer) => {
        if (cancelled || !chartBox.current) return;
        bucketSeconds = answer.bucket_seconds;
        series = [
          answer.buckets.map((b) => Date.parse(b.at) / 1000),
          answer.buckets.map((b) => b.completed),
          answer.buckets.map((b) => b.failed),
        ];
        const style = getComputedStyle(document.documentElement);
        chart = new uPlot(
          {
            width: Math.max(320, chartBox.current.clientWidth),
            height: 280,
            title: `per ${bucketSeconds / 60} min`,
            series: [
              {},
              { label: "completed", stroke: style.getPropertyValue("--ok").trim() || "green", width: 2 },
              { label: "failed", stroke: style.getPropertyValue("--bad").trim() || "red", width: 2 },
            ],
            axes: [{ stroke: style.getPropertyValue("--fg").trim() }, { stroke: style.getPropertyValue("--fg").trim() }],
          },
          series,
          chartBox.current,
        );
        draw();
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
    const off = stream.onEvent((event) => {
      if (event.type !== "COMPLETED" && event.type !== "FAILED") return;
      const bucket = Math.floor(Date.parse(event.at) / 1000 / bucketSeconds) * bucketSeconds;
      const last = series[0][series[0].length - 1];
      if (last === undefined || bucket > last) {
        series[0].push(bucket);
        series[1].push(0);
        series[2].push(0);
      }
      const index = series[0].lastIndexOf(bucket);
      if (index < 0) return;
      const target = event.type === "COMPLETED" ? series[1] : series[2];
      target[index] = (target[index] ?? 0) + 1;
      draw();
    });
    return () => {
      cancelled = true;
      off();
      chart?.destroy();
    };
  }, [hours]);

  return (
    <section aria-labelledby="throughput-title">
      <h2 id="throughput-title">Throughput</h2>
      <label>
        Window
        <select value={String(hours)} onChange={(event) => setHours(Number((event.target as HTMLSelectElement).value))}>
          <option value="1">1 hour</option>
          <option value="6">6 hours</option>
          <option value="24">24 hours</option>
        </select>
      </label>
      <p data-testid="throughput-totals">
        {totals.completed} completed · {totals.failed} failed in the window
      </p>
      <ErrorLine error={error} />
      <div ref={chartBox} class="chart" />
    </section>
  );
}
