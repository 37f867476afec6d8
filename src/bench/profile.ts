/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) into the functions that cost the most:
 * self time (samples taken in the function) and total time (samples with the function anywhere
 * on the stack, counted once per sample even under recursion).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** `file:function:line` (1-based line), file relative to `root` when under it. */
  name: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
  totalShare: number;
}

export interface ProfileSummary {
  totalMs: number;
  bySelf: HotSpot[];
  byTotal: HotSpot[];
}

function frameName(frame: CallFrame, root: string): string {
  let file = frame.url;
  if (file.startsWith('file://')) file = fileURLToPath(file);
  if (file.startsWith(root)) file = relative(root, file);
  if (file === '') file = '(native)';
  return `${file}:${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(path: string, root: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nameOf = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame, root)]));

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample; it is spent in this sample's stack.
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const leaf = nameOf.get(id)!;
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    const onStack = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      if (byId.get(node)?.callFrame.functionName === '(root)') break;
      onStack.add(nameOf.get(node)!);
    }
    for (const name of onStack) total.set(name, (total.get(name) ?? 0) + us);
  });

  const spot = (name: string): HotSpot => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: (total.get(name) ?? 0) / 1000,
    selfShare: (self.get(name) ?? 0) / totalUs,
    totalShare: (total.get(name) ?? 0) / totalUs,
  });
  const rank = (times: Map<string, number>) =>
    [...times.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name]) => spot(name));
  return { totalMs: totalUs / 1000, bySelf: rank(self), byTotal: rank(total) };
}
