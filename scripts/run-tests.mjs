#!/usr/bin/env node
// Runs the test suites with node's test runner. Unit tests always run; the
// integration suites need a Docker engine. Without one they are skipped and
// said to be skipped, loudly; with RIM_REQUIRE_DOCKER=1 (CI) skipping fails.
// --test-force-exit: a file whose tests ended but left a handle open (a stop
// that never settled) fails its timeout-bounded test and exits, not hangs CI.
import { spawnSync, execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2]; // "unit" | "integration" | undefined
const files = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join(dir, f))
    : [];

function dockerAnswers() {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

const suites = [];
if (only !== 'integration') suites.push(...files('test/unit'));
if (only !== 'unit') {
  const integration = files('test/integration');
  if (dockerAnswers()) suites.push(...integration);
  else if (integration.length) {
    const list = integration.map((f) => `!!!   ${f}`).join('\n');
    const msg = `\n!!! NO DOCKER ENGINE: SKIPPED ${integration.length} integration suites:\n${list}\n`;
    console.error(msg);
    if (process.env.RIM_REQUIRE_DOCKER === '1') {
      console.error('RIM_REQUIRE_DOCKER=1: skipping the Docker suites is a failure.');
      process.exit(1);
    }
  }
}
if (!suites.length) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=spec', ...suites],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
