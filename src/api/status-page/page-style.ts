/** The status page's stylesheet (inline in the page: one request fewer for the first paint). */
export const pageStyle = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;gap:14px;align-items:baseline}
header h1{font-size:18px;margin:0} nav a{color:#dfe6ff;margin-right:12px} #updated{margin-left:auto;color:#c9cfdd}
main{padding:12px 20px;display:grid;gap:16px}
section{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002}
h2{font-size:14px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.04em;color:#46506a}
h3{font-size:14px;margin:0 0 6px} h4{font-size:13px;margin:0 0 4px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2;vertical-align:middle}
th{font-weight:600;color:#46506a} small{color:#5b6478} code{font-size:12px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible
{outline:3px solid #2563eb;outline-offset:2px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:#e3e6ec;color:#1d2330}
.s-running,.s-alive,.s-admitted,.s-ok,.s-leader,.s-met{background:#d5f5e0;color:#0f5228}
.s-backoff,.s-starting,.s-pending,.s-suspect,.s-at-risk,.s-stale,.s-restarted{background:#fff1c9;color:#6b4700}
.s-crash-loop,.s-dead,.s-rejected,.s-failed,.s-stopped,.s-missed,.s-election{background:#fbd9d9;color:#7d1717}
.s-emulated,.s-idle{background:#e0e7ff;color:#26337a}
#banner,#locked{background:#fbd9d9;color:#7d1717;padding:8px 20px;font-weight:600}
#locked{background:#fff1c9;color:#6b4700}
.empty{color:#5b6478;margin:0}
tr.sel{background:#eef3ff} tr.sel th{box-shadow:inset 3px 0 #2563eb}
button.link{background:none;border:0;padding:0;font:inherit;font-weight:600;
color:#1d4ed8;cursor:pointer;text-decoration:underline}
.spark{width:160px;height:40px}
#placement{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.box{border:1px solid #dde1e8;border-radius:6px;padding:8px} .accels{display:grid;gap:8px}
.accel{background:#f8f9fb;border-radius:4px;padding:6px}
.bar{position:relative;height:18px;background:#e3e6ec;border-radius:3px;margin:3px 0;overflow:hidden}
.bar .fill{position:absolute;inset:0 auto 0 0;background:#93c5fd} .bar .fill.high{background:#fcd34d}
.bar .fill.over{background:#fca5a5} .bar-text{position:relative;padding-left:6px;font-size:12px}
.chips{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.chip{border:1px solid #c7cdd9;border-radius:4px;padding:1px 6px;font-size:12px;background:#fff}
.chip.hl{border:2px solid #1d4ed8;background:#dbe6ff}
#events{list-style:none;margin:0;padding:0;max-height:320px;overflow:auto}
#events li{padding:3px 0;border-bottom:1px solid #eceef2}
.reason{color:#7d1717}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 10px}
label{display:flex;flex-direction:column;font-size:12px;color:#46506a}
input,select,button{font:inherit;padding:3px 6px} fieldset{border:0;padding:0;margin:0}
[aria-invalid=true]{border:2px solid #b91c1c} .field-error{color:#7d1717;font-size:12px}
.form-status.error{color:#7d1717;font-weight:600} .form-status.ok{color:#0f5228}
.filters{display:flex;gap:12px;margin-bottom:6px}
`;
