/** The status page's markup: landmarks, labelled controls; the views fill the empty containers. */
import { pageStyle } from './page-style.js';

const field = (form: string, name: string, label: string, attrs: string) =>
  `<label for="${form}-${name}">${label}<input id="${form}-${name}" name="${name}" ${attrs}` +
  ` aria-describedby="${form}-${name}-error"><span id="${form}-${name}-error" class="field-error"></span></label>`;

const actions = `
<form id="token-form" aria-label="admin token"><label for="token">Admin token
<input id="token" type="password" autocomplete="off" required></label><button>Use token</button>
<button type="button" id="token-clear" hidden>Forget token</button><span id="token-state" role="status"></span></form>
<fieldset id="actions-fields" disabled><legend class="sr">changes (need the admin token)</legend>
<form id="add-app" aria-label="add an app">
${field('add-app', 'image', 'Image', 'required placeholder="rim/sample-synthetic:latest"')}
<button>Add app</button><span class="form-status" role="status"></span></form>
<form id="deploy" aria-label="deploy"><label for="deploy-app">App<select id="deploy-app" name="app" required
aria-describedby="deploy-app-error"></select><span id="deploy-app-error" class="field-error"></span></label>
${field('deploy', 'name', 'Name', 'required pattern="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"')}
${field('deploy', 'fps', 'fps', 'type="number" min="0.01" max="1000" step="any"')}
${field('deploy', 'latencyMs', 'Latency target (ms)', 'type="number" min="1" max="600000" step="any"')}
${field('deploy', 'priority', 'Priority', 'type="number" min="-1000" max="1000" step="1"')}
<button>Deploy</button><span class="form-status" role="status"></span></form>
<form id="undeploy" aria-label="undeploy"><label for="undeploy-name">Deployment<select id="undeploy-name"
name="deployment" required aria-describedby="undeploy-name-error"></select>
<span id="undeploy-name-error" class="field-error"></span></label><button>Undeploy</button>
<span class="form-status" role="status"></span></form>
<form id="refresh" aria-label="refresh profiles"><button>Refresh profiles</button>
<span class="form-status" role="status"></span></form></fieldset>`;

export function pageHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title id="title">Rim</title><style>${pageStyle}</style><link rel="stylesheet" href="/ui/uplot.css">
<script src="/ui/uplot.js" defer></script><script type="module" src="/ui/app.js"></script></head>
<body>
<header><h1>Rim</h1><span id="summary">loading…</span><span id="live" class="pill" role="status">connecting</span>
<nav aria-label="views"><a href="#slo-view">SLOs</a><a href="#placement-view">Placement</a>
<a href="#events-view">Events</a>
<a href="#profiles-view">Profiles</a><a href="#actions-view">Actions</a><a href="#details-view">Details</a></nav>
<span id="updated" role="status"></span></header>
<div id="banner" role="alert" hidden></div>
<div id="locked" role="alert" hidden>Reads on this cluster need the admin token: enter it under
<a href="#actions-view">Actions</a>.</div>
<main>
<section id="slo-view" aria-labelledby="slo-h"><h2 id="slo-h">Service levels</h2><p id="slo-summary" role="status"></p>
<table><caption class="sr">per deployment: measured against target</caption><thead><tr>
<th scope="col">deployment</th><th scope="col">SLO</th><th scope="col">input fps</th>
<th scope="col">output / target fps</th>
<th scope="col">finish rate</th><th scope="col">p99 / target</th><th scope="col">fps (last minutes)</th>
<th scope="col">p99 (last minutes)</th></tr></thead><tbody id="slo-rows"></tbody></table></section>
<section id="placement-view" aria-labelledby="placement-h"><h2 id="placement-h">Placement</h2>
<p id="dag" role="status"></p><div id="placement"></div></section>
<section id="events-view" aria-labelledby="events-h"><h2 id="events-h">Events</h2><div class="filters">
<label for="events-box">Box<select id="events-box"></select></label>
<label for="events-deployment">Deployment<select id="events-deployment"></select></label></div>
<ol id="events" aria-live="polite"></ol></section>
<section id="profiles-view" aria-labelledby="profiles-h"><h2 id="profiles-h">Profiles</h2>
<div id="profiles"></div></section>
<section id="actions-view" aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2>${actions}</section>
<section id="details-view" aria-labelledby="details-h"><h2 id="details-h">Details</h2>
<h3>Members</h3><div id="members"></div><h3>Nodes</h3><div id="nodes"></div><h3>Replicas</h3><div id="replicas"></div>
<h3>Apps</h3><div id="apps"></div><h3>Deployments</h3><div id="deployments"></div></section>
</main>
</body></html>`;
}
