// Summarizes a V8 .cpuprofile (node --cpu-prof): functions by self time, and by total time for src/ code.
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  selfPct: number;
}

function label(frame: ProfileNode["callFrame"], root: string): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  let file = frame.url.replace(/^file:\/\//, "");
  if (file.startsWith(root)) file = path.relative(root, file);
  file = file.replace(/^.*node_modules\//, "");
  return `${name} ${file}:${frame.lineNumber + 1}`;
}

/** Top functions by self time. */
export function topFunctions(file: string, root: string, limit = 20): { totalMs: number; lines: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const totals = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    if (node.callFrame.functionName === "(idle)") continue;
    const key = label(node.callFrame, root);
    totals.set(key, (totals.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)").reduce((sum, [, us]) => sum + us, 0);
  const lines = [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: busyUs ? (us / busyUs) * 100 : 0 }));
  return { totalMs: busyUs / 1000, lines };
}
