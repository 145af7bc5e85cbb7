/**
 * The one plan validator (tests and benchmark share it): checks any plan
 * against every rule of docs/design.md "Placement" and lists the violations.
 * It recomputes every load from the plan's rows itself, independently of the
 * ClusterState the strategies use. O(placements + deployments · DAG).
 */
import type { Plan } from '../types.js';
import { estimateLatency, type Share } from './latency.js';
import { sharesFromPlan } from './plan-build.js';
import { coresKey, utilisationKey } from './utilisation-key.js';
import { CPU, type Problem, profileFor, variantOf } from './problem.js';

export interface Violation {
  rule: 'reference' | 'admission' | 'fps' | 'gpu' | 'cores' | 'memory' | 'gpu-memory' | 'latency' | 'report';
  message: string;
}

const TOL = 1e-6;

export function validatePlan(p: Problem, plan: Plan): Violation[] {
  const out: Violation[] = [];
  const bad = (rule: Violation['rule'], message: string): void => {
    out.push({ rule, message });
  };
  const depByName = new Map(p.deployments.map((d) => [d.name, d]));
  const nodeById = new Map(p.nodes.map((n) => [n.id, n]));
  const h = p.headroom;

  // References: every row names a known deployment, module, variant, node, accelerator, profile.
  const rows = new Set<string>();
  for (const [i, pl] of plan.placements.entries()) {
    const at = `placements[${i}] (${pl.deployment}/${pl.module})`;
    const d = depByName.get(pl.deployment);
    const node = nodeById.get(pl.node);
    const mod = d ? p.apps.get(d.app)?.modules.find((m) => m.name === pl.module) : undefined;
    if (!d) {
      bad('reference', `${at}: unknown deployment`);
      continue;
    }
    if (!mod) {
      bad('reference', `${at}: app ${d.app} has no module ${pl.module}`);
      continue;
    }
    if (!node) {
      bad('reference', `${at}: unknown node ${pl.node}`);
      continue;
    }
    const variant = variantOf(pl.variant);
    if (!mod.variants.some((v) => v.name === variant)) bad('reference', `${at}: unknown variant ${variant}`);
    const slot =
      pl.accelerator === CPU
        ? p.slots[node.cpuSlot]!
        : node.gpuSlots.map((g) => p.slots[g]!).find((s) => s.id === pl.accelerator);
    if (!slot) {
      bad('reference', `${at}: node ${pl.node} has no accelerator ${pl.accelerator}`);
      continue;
    }
    if (slot.gpu !== mod.gpu)
      bad('reference', `${at}: a ${mod.gpu ? 'GPU' : 'CPU'} module placed on ${pl.accelerator}`);
    if (!profileFor(p, d.app, mod.name, variant, slot.model)) bad('reference', `${at}: no profile on ${slot.model}`);
    if (!(pl.fps > 0) || !Number.isFinite(pl.fps)) bad('reference', `${at}: fps ${pl.fps} is not a positive number`);
    const key = `${pl.deployment}\u0000${pl.module}\u0000${variant}\u0000${pl.node}\u0000${pl.accelerator}`;
    if (rows.has(key)) bad('reference', `${at}: duplicate row`);
    rows.add(key);
  }
  if (out.length) return out; // loads are meaningless on unresolved rows

  const { shares } = sharesFromPlan(p, plan);
  // Admission: each deployment admitted or rejected, exactly once.
  const rejected = new Map<string, number>();
  for (const r of plan.rejected) {
    rejected.set(r.deployment, (rejected.get(r.deployment) ?? 0) + 1);
    if (!depByName.has(r.deployment)) bad('admission', `rejected ${r.deployment}: unknown deployment`);
    if (!r.reason?.trim()) bad('admission', `rejected ${r.deployment}: no reason given`);
  }
  for (const d of p.deployments) {
    const placed = shares[d.index]!.length > 0;
    const rej = rejected.get(d.name) ?? 0;
    if (placed && rej) bad('admission', `${d.name}: both placed and rejected`);
    if (!placed && rej !== 1)
      bad('admission', `${d.name}: ${rej ? 'rejected more than once' : 'neither placed nor rejected'}`);
    if (!placed) continue;
    const app = p.apps.get(d.app)!;
    for (const mod of app.modules) {
      const served = shares[d.index]!.filter((s) => s.module === mod.index).reduce((a, s) => a + s.fps, 0);
      if (Math.abs(served - d.fps) > TOL * Math.max(1, d.fps))
        bad('fps', `${d.name}: module ${mod.name} serves ${served} fps of ${d.fps}`);
    }
  }

  // Capacity: recompute loads from the rows.
  const gpu = new Float64Array(p.slots.length);
  const gpuMem = new Float64Array(p.slots.length);
  const cores = new Float64Array(p.nodes.length);
  const mem = new Float64Array(p.nodes.length);
  const replicas = new Set<string>();
  for (const list of shares)
    for (const s of list) {
      const d = p.deployments[s.dep]!;
      const slot = p.slots[s.slot]!;
      const mod = p.apps.get(d.app)!.modules[s.module]!;
      const prof = profileFor(p, d.app, mod.name, s.variant, slot.model)!;
      const frac = s.fps / prof.maxFps;
      if (slot.gpu) gpu[s.slot]! += frac;
      cores[slot.node]! += (prof.cpuCores ?? 0) * frac;
      const key = `${d.app}\u0000${mod.name}\u0000${s.variant}\u0000${s.slot}`;
      if (replicas.has(key)) continue;
      replicas.add(key);
      mem[slot.node]! += prof.memoryMB ?? 0;
      if (slot.gpu) gpuMem[s.slot]! += prof.gpuMemoryMB ?? 0;
    }
  for (const n of p.nodes) {
    if (cores[n.index]! > n.cpus * (1 - h) + TOL)
      bad('cores', `node ${n.id}: ${cores[n.index]!.toFixed(3)} cores used, cap ${(n.cpus * (1 - h)).toFixed(3)}`);
    const cu = n.cpus > 0 ? cores[n.index]! / n.cpus : 0;
    const repCores = plan.utilisation[coresKey(n.id)];
    if (repCores !== undefined && Math.abs(repCores - cu) > 1e-3)
      bad('report', `node ${n.id}: core utilisation reported ${repCores}, is ${cu.toFixed(4)}`);
    if (mem[n.index]! > n.memoryMB + TOL)
      bad('memory', `node ${n.id}: replicas need ${mem[n.index]} MB, has ${n.memoryMB}`);
    for (const g of n.gpuSlots) {
      const s = p.slots[g]!;
      const key = utilisationKey(n.id, s.id);
      if (gpu[g]! > 1 - h + TOL) bad('gpu', `${key}: utilisation ${gpu[g]!.toFixed(4)} over ${1 - h}`);
      if (gpuMem[g]! > s.memoryMB + TOL)
        bad('gpu-memory', `${key}: replicas need ${gpuMem[g]} MB GPU memory, has ${s.memoryMB}`);
      const rep = plan.utilisation[key];
      if (rep === undefined || Math.abs(rep - gpu[g]!) > 1e-3)
        bad('report', `${key}: utilisation reported ${rep}, is ${gpu[g]!.toFixed(4)}`);
    }
  }

  // Latency: the estimate of every admitted deployment is within its target.
  const util = (slot: number): number => {
    const s = p.slots[slot]!;
    return s.gpu ? gpu[slot]! : cores[s.node]! / p.nodes[s.node]!.cpus;
  };
  for (const d of p.deployments) {
    const list: Share[] = shares[d.index]!;
    if (!list.length) continue;
    const est = estimateLatency(p, p.apps.get(d.app)!, list, util);
    if (!(est <= d.latencyMs + TOL))
      bad('latency', `${d.name}: latency estimate ${est.toFixed(1)} ms over target ${d.latencyMs} ms`);
    const rep = plan.latencyMs[d.name];
    if (rep === undefined || Math.abs(rep - est) > 0.01 + 1e-3 * est)
      bad('report', `${d.name}: latency reported ${rep}, estimate is ${est.toFixed(3)}`);
  }
  return out;
}
