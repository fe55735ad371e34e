// The pictures a person wants to glance at (latest image, profile, spectrum) and every file the
// session produced, each downloadable.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { clock } from './format.js';
import { artifactUrl } from './derive.js';

const TILES = [
  { category: 'image', title: 'Latest image', testid: 'latest-image' },
  { category: 'profile', title: 'Latest line-scan profile', testid: 'latest-profile' },
  { category: 'spectrum', title: 'Latest spectrum', testid: 'latest-spectrum' },
];

function Tile({ item, title, testid }) {
  const [failed, setFailed] = useState(null);
  if (!item) {
    return html`<figure class="tile empty">
      <figcaption>${title}</figcaption>
      <div class="placeholder">none yet</div>
    </figure>`;
  }
  const src = artifactUrl(item.worker, item.png.path);
  return html`<figure class="tile">
    <figcaption>
      <b>${title}</b>
      <span class="muted"
        >${item.method}${item.device ? ` · ${item.device}` : ''} · ${item.worker} ·
        ${clock(item.time)}</span
      >
    </figcaption>
    <a href=${src} target="_blank" rel="noopener" title="Open full size">
      <img
        data-testid=${testid}
        src=${src}
        alt=${`${title}: ${item.png.name}`}
        onLoad=${() => failed && setFailed(null)}
        onError=${() => setFailed(src)}
      />
    </a>
    ${failed === src ? html`<div class="error">could not load ${item.png.name}</div>` : null}
  </figure>`;
}

export function LatestImages({ store }) {
  return html`<section class="panel images">
    <h2>Latest pictures</h2>
    <div class="tiles">
      ${TILES.map((t) => html`<${Tile} key=${t.category} item=${store.latest[t.category]} title=${t.title} testid=${t.testid} />`)}
    </div>
  </section>`;
}

const SHOWN = 100;

const stem = (name) => (name.lastIndexOf('.') > 0 ? name.slice(0, name.lastIndexOf('.')) : name);

/**
 * One op's files on one line: its main name (opening the PNG when there is one), then a download
 * chip per file: `image_0003  png npy json`. Files named differently show their whole name.
 */
function Files({ item }) {
  const main = item.png ?? item.files[0];
  const base = stem(main.name);
  return html`<span class="files-line">
    ${
      item.png
        ? html`<a
            href=${artifactUrl(item.worker, item.png.path)}
            target="_blank"
            rel="noopener"
            title=${`open ${item.png.path}`}
            >${base}</a
          >`
        : html`<span title=${main.path}>${base}</span>`
    }
    ${item.files.map(
      (f) =>
        html`<a
          key=${f.path}
          class="chip"
          href=${artifactUrl(item.worker, f.path, { download: true })}
          download=${f.name}
          title=${`download ${f.path}`}
          >${stem(f.name) === base ? f.ext || f.name : f.name}</a
        >`,
    )}
  </span>`;
}

export function Artifacts({ store }) {
  const items = store.artifacts.slice(-SHOWN).reverse();
  return html`<section class="panel artifacts">
    <h2>
      Artifacts <span class="count">${store.artifacts.length}</span>
      <span class="hint muted">click a name to open, a chip to download</span>
    </h2>
    ${
      items.length
        ? html`<div class="table-wrap">
              <table class="grid" data-testid="artifacts">
                <thead>
                  <tr>
                    <th>time</th>
                    <th>tool</th>
                    <th>device</th>
                    <th>files</th>
                  </tr>
                </thead>
                <tbody>
                  ${items.map(
                    (it) =>
                      html`<tr key=${it.key}>
                        <td class="mono">${clock(it.time)}</td>
                        <td class="mono tool" title=${it.method}>${it.method}</td>
                        <td>${it.device ?? it.worker}</td>
                        <td><${Files} item=${it} /></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            ${store.artifacts.length > SHOWN ? html`<p class="muted">the newest ${SHOWN} of ${store.artifacts.length} shown</p>` : null}`
        : html`<p class="empty">No files yet.</p>`
    }
  </section>`;
}
