/**
 * GET / — the live status page: cluster, nodes (emulated accelerators marked),
 * replicas, apps, deployments, the plan and profiles. One self-contained HTML
 * document; its script reads the same public API as the CLI.
 */
import { Router } from 'express';
import { pageScript } from './page-script.js';

const style = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0} main{padding:12px 20px;display:grid;gap:16px}
section{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
h2{font-size:14px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#56607a}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{font-weight:600;color:#56607a} small{color:#7a8299} code{font-size:12px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:#e3e6ec}
.s-running,.s-alive,.s-admitted,.s-ok,.s-leader{background:#d5f5e0;color:#14612f}
.s-backoff,.s-starting,.s-pending,.s-suspect{background:#fff1c9;color:#7a5200}
.s-crash-loop,.s-dead,.s-rejected,.s-failed,.s-stopped{background:#fbd9d9;color:#8a1c1c}
.s-emulated{background:#e0e7ff;color:#2d3a8c}
#banner{background:#fbd9d9;color:#8a1c1c;padding:8px 20px;font-weight:600}
.empty{color:#7a8299;margin:0} #updated{margin-left:auto;color:#aab}
`;

export function renderStatusPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title id="title">Rim</title><style>${style}</style></head>
<body>
<header><h1>Rim</h1><span id="summary">loading…</span><span id="live" class="pill">connecting</span><span id="updated"></span></header>
<div id="banner" hidden></div>
<main>
<section><h2>Members</h2><div id="members"></div></section>
<section><h2>Nodes</h2><div id="nodes"></div></section>
<section><h2>Replicas</h2><div id="replicas"></div></section>
<section><h2>Apps</h2><div id="apps"></div></section>
<section><h2>Deployments</h2><div id="deployments"></div></section>
<section><h2>Plan</h2><div id="plan"></div></section>
<section><h2>Profiles</h2><div id="profiles"></div></section>
</main>
<script>${pageScript}</script>
</body></html>`;
}

export function statusPageRoutes(): Router {
  const r = Router();
  const html = renderStatusPage();
  r.get('/', (_req, res) => {
    res.set('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
    res.type('html').send(html);
  });
  return r;
}
