/**
 * GET / — the live status page, and GET /ui/* — its browser modules (./ui,
 * plain ES modules served as they are, no build chain) and uPlot from
 * node_modules. Nothing is fetched from the internet; every asset is read
 * once at start and served gzipped when the browser accepts it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Router, type Request, type Response } from 'express';
import { pageHtml } from './page-html.js';

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const asset = (type: string, body: Buffer): Asset => ({ type, body, gzip: gzipSync(body, { level: 9 }) });

/** The page's assets by URL path. */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const dir = fileURLToPath(new URL('./ui/', import.meta.url));
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    assets.set(`/ui/${f}`, asset('text/javascript; charset=utf-8', readFileSync(dir + f)));
  }
  const require = createRequire(import.meta.url);
  const uplot = require.resolve('uplot/dist/uPlot.iife.min.js');
  assets.set('/ui/uplot.js', asset('text/javascript; charset=utf-8', readFileSync(uplot)));
  assets.set(
    '/ui/uplot.css',
    asset('text/css; charset=utf-8', readFileSync(uplot.replace(/uPlot\.iife\.min\.js$/, 'uPlot.min.css'))),
  );
  assets.set('/', asset('text/html; charset=utf-8', Buffer.from(pageHtml())));
  return assets;
}

function serve(a: Asset, req: Request, res: Response): void {
  res.set('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  res.set('x-content-type-options', 'nosniff');
  res.set('cache-control', 'no-cache');
  res.vary('accept-encoding');
  res.type(a.type);
  const gzip = /\bgzip\b/.test(req.get('accept-encoding') ?? '');
  if (gzip) res.set('content-encoding', 'gzip');
  res.send(gzip ? a.gzip : a.body);
}

export function statusPageRoutes(): Router {
  const r = Router();
  const assets = loadAssets();
  r.get('/', (req, res) => serve(assets.get('/')!, req, res));
  r.get('/ui/:file', (req, res, next) => {
    const a = assets.get(`/ui/${req.params.file}`);
    if (a) serve(a, req, res);
    else next();
  });
  return r;
}
