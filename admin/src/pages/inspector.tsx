// Realtime inspector: subscribe the way a client would and watch the frames arrive; admins also see server counters.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Me } from "../app";
import { realtime, useConnectionStatus, type Frame, type SubscribeMessage } from "../api/realtime";
import { useSchema } from "../api/schema";
import { JsonInput } from "../components/json-input";
import { Empty, ErrorNotice, Loading } from "../components/status";
import { ServerCounters } from "./inspector/server-counters";
import "./inspector/inspector.css";

/** Frames kept on screen; older ones scroll away. */
const MAX_FRAMES = 200;

interface LoggedFrame {
  id: number;
  at: Date;
  direction: "sent" | "received";
  frame: Frame;
}

interface Options {
  collection: string;
  event: "" | "create" | "update" | "delete";
  fields: string;
  filter: unknown;
}

export function InspectorPage({ me }: { me: Me }) {
  const { schema, error, loading, reload } = useSchema();
  const [options, setOptions] = useState<Options>({ collection: "", event: "", fields: "*", filter: null });
  const [filterValid, setFilterValid] = useState(true);
  const [active, setActive] = useState<SubscribeMessage>();
  const [frames, setFrames] = useState<LoggedFrame[]>([]);
  const [showConnection, setShowConnection] = useState(false);
  const status = useConnectionStatus();
  const unsubscribe = useRef<() => void>(undefined);
  const activeUid = useRef<string>(undefined);
  const nextId = useRef(1);
  const formId = useId();

  // Log frames of our subscription (and, when asked, connection frames: auth, ping, pong).
  useEffect(() => {
    return realtime.onFrame((direction, frame) => {
      if (!activeUid.current) return;
      const ours = frame.uid === activeUid.current;
      const connection = frame.uid === undefined && frame.type !== "subscription";
      if (!ours && !(showConnection && connection)) return;
      setFrames((list) => [{ id: nextId.current++, at: new Date(), direction, frame }, ...list].slice(0, MAX_FRAMES));
    });
  }, [showConnection]);

  useEffect(() => () => unsubscribe.current?.(), []);

  if (loading && !schema) return <Loading />;
  if (!schema) return <ErrorNotice error={error} onRetry={reload} />;
  const collections = schema.collections.filter((item) => item.schema && !item.collection.startsWith("tidings_")).map((item) => item.collection);

  const subscribe = (event: FormEvent) => {
    event.preventDefault();
    if (!options.collection || !filterValid) return;
    stop();
    const query: Record<string, unknown> = {};
    const fields = options.fields.split(",").map((field) => field.trim()).filter(Boolean);
    if (fields.length > 0) query.fields = fields;
    if (options.filter && typeof options.filter === "object" && Object.keys(options.filter).length > 0) query.filter = options.filter;
    setFrames([]);
    // The uid is known before the message goes out, so the log catches the subscribe frame itself.
    activeUid.current = `inspector-${nextId.current++}`;
    const subscription = realtime.subscribe({ collection: options.collection, uid: activeUid.current, event: options.event || undefined, query }, () => undefined);
    unsubscribe.current = subscription.unsubscribe;
    setActive(subscription.message);
  };

  const stop = () => {
    unsubscribe.current?.();
    unsubscribe.current = undefined;
    activeUid.current = undefined;
    setActive(undefined);
  };

  return (
    <>
      <div className="page-header">
        <h1>Realtime inspector</h1>
        <span className="live" data-status={status}>
          {status === "open" ? "Connected" : status === "connecting" ? "Connecting…" : "Not connected"}
        </span>
      </div>
      {me.admin && <ServerCounters />}
      <div className="inspector">
        <section className="card" aria-labelledby={`${formId}-title`}>
          <h2 id={`${formId}-title`}>Subscription</h2>
          <form onSubmit={subscribe}>
            <div className="field">
              <label htmlFor={`${formId}-collection`}>Collection</label>
              <select id={`${formId}-collection`} required value={options.collection} onChange={(event) => setOptions({ ...options, collection: event.target.value })}>
                <option value="">Choose a collection…</option>
                {collections.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${formId}-event`}>Event</label>
              <select id={`${formId}-event`} value={options.event} onChange={(event) => setOptions({ ...options, event: event.target.value as Options["event"] })}>
                <option value="">All events</option>
                <option value="create">create</option>
                <option value="update">update</option>
                <option value="delete">delete</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${formId}-fields`}>Fields</label>
              <input id={`${formId}-fields`} value={options.fields} placeholder="*" aria-describedby={`${formId}-fields-help`} onChange={(event) => setOptions({ ...options, fields: event.target.value })} />
              <small id={`${formId}-fields-help`} className="help">
                Comma-separated, e.g. <code>id,text,author.name</code>
              </small>
            </div>
            <JsonInput label="Filter" value={options.filter} rows={4} hint='e.g. {"status":{"_eq":"published"}}' onChange={(filter, valid) => { setFilterValid(valid); if (valid) setOptions((current) => ({ ...current, filter })); }} />
            <div className="inspector-actions">
              <button type="submit" disabled={!options.collection || !filterValid}>
                {active ? "Subscribe again" : "Subscribe"}
              </button>
              {active && (
                <button type="button" className="button-secondary" onClick={stop}>
                  Unsubscribe
                </button>
              )}
            </div>
          </form>
          {active && <SentMessage message={active} />}
        </section>
        <section className="card" aria-labelledby={`${formId}-frames`}>
          <div className="frames-header">
            <h2 id={`${formId}-frames`}>Frames</h2>
            <label className="check">
              <input type="checkbox" checked={showConnection} onChange={(event) => setShowConnection(event.target.checked)} /> Show auth and heartbeat
            </label>
            <button type="button" className="button-secondary button-small" onClick={() => setFrames([])} disabled={frames.length === 0}>
              Clear
            </button>
          </div>
          <FrameList frames={frames} subscribed={!!active} />
        </section>
      </div>
    </>
  );
}

/** The subscribe message as sent, and the same subscription written with @directus/sdk. */
function SentMessage({ message }: { message: SubscribeMessage }) {
  const sdkOptions: Record<string, unknown> = {};
  if (message.event) sdkOptions.event = message.event;
  if (message.query) sdkOptions.query = message.query;
  const sdk = `const { subscription } = await client.subscribe(${JSON.stringify(message.collection)}${Object.keys(sdkOptions).length ? `, ${JSON.stringify(sdkOptions, null, 2)}` : ""});`;
  return (
    <>
      <h3>Message sent</h3>
      <pre className="code-block" aria-label="Subscribe message sent">
        {JSON.stringify(message, null, 2)}
      </pre>
      <h3>With @directus/sdk</h3>
      <pre className="code-block">{sdk}</pre>
    </>
  );
}

function FrameList({ frames, subscribed }: { frames: LoggedFrame[]; subscribed: boolean }) {
  if (!subscribed && frames.length === 0) return <Empty title="Not subscribed">Pick a collection and subscribe to watch its events.</Empty>;
  if (frames.length === 0) return <Loading label="Waiting for the first frame…" />;
  return (
    <ol className="frames" aria-label="Frames, newest first" aria-live="polite" aria-relevant="additions">
      {frames.map((entry) => (
        <li key={entry.id} className={`frame frame-${entry.direction}`}>
          <div className="frame-meta">
            <span className={`badge ${entry.direction === "sent" ? "badge-accent" : ""}`}>{entry.direction}</span>
            <FrameBadge frame={entry.frame} />
            <time dateTime={entry.at.toISOString()} className="muted">
              {entry.at.toLocaleTimeString()}
            </time>
            {Array.isArray(entry.frame.data) && <span className="muted">{entry.frame.data.length} item(s)</span>}
          </div>
          <pre>{JSON.stringify(entry.frame, null, 2)}</pre>
        </li>
      ))}
    </ol>
  );
}

function FrameBadge({ frame }: { frame: Frame }) {
  const label = frame.status === "error" ? "error" : frame.type === "subscription" ? String(frame.event) : String(frame.type);
  const tone = label === "error" ? "badge-danger" : label === "create" ? "badge-success" : label === "delete" ? "badge-danger" : "";
  return <span className={`badge ${tone}`}>{label}</span>;
}
