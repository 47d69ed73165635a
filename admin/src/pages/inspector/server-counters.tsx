// Live server counters for administrators, from GET /server/metrics every two seconds.
import { useEffect, useState } from "react";
import { data } from "../../api/client";
import { ErrorNotice } from "../../components/status";

interface Metrics {
  connections: number;
  subscriptions: number;
  events: number;
  deliveries: number;
  renders: number;
  sqlQueries: number;
  rss: number;
  heapUsed: number;
}

const POLL_MS = 2_000;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function ServerCounters() {
  const [metrics, setMetrics] = useState<Metrics>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const next = await data<Metrics>("/server/metrics");
        if (stopped) return;
        setMetrics(next);
        setError(undefined);
      } catch (caught) {
        if (!stopped) setError(caught);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  if (error && !metrics) return <ErrorNotice error={error} />;
  const figures: Array<[string, string]> = metrics
    ? [
        ["Connections", String(metrics.connections)],
        ["Subscriptions", String(metrics.subscriptions)],
        ["Events", String(metrics.events)],
        ["Deliveries", String(metrics.deliveries)],
        ["Renders", String(metrics.renders)],
        ["SQL statements", String(metrics.sqlQueries)],
        ["Memory (RSS)", megabytes(metrics.rss)],
      ]
    : [];
  return (
    <section aria-labelledby="server-counters">
      <h2 id="server-counters" className="visually-hidden">
        Server counters
      </h2>
      <dl className="stats" aria-busy={!metrics}>
        {figures.map(([label, value]) => (
          <div className="stat" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
