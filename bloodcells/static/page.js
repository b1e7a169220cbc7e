const $ = id => document.getElementById(id), COLOURS = __COLOURS__, MAX_BODY = __MAX_BODY__;
let chosen = [];
const given = new URLSearchParams(location.hash.slice(1)).get('token') || new URLSearchParams(location.search).get('token');
if (given) { $('token').value = given; history.replaceState(null, '', location.pathname); }
function el(tag, text, attrs = {}) { const e = document.createElement(tag); if (text != null) e.textContent = text; for (const k in attrs) e.setAttribute(k, attrs[k]); return e; }
function say(text) { $('status').textContent = text; }
function listChosen() {
  $('chosen').replaceChildren(...chosen.map(f => el('li', `${f.name} (${Math.ceil(f.size / 1024)} kB)`)));
  $('go').disabled = !chosen.length; $('clear').hidden = !chosen.length;
}
for (const id of ['camera', 'files']) $(id).addEventListener('change', e => { chosen.push(...e.target.files); e.target.value = ''; listChosen(); });
$('clear').addEventListener('click', () => { chosen = []; listChosen(); $('result').hidden = true; say(''); });
function rows(table, pairs) { table.replaceChildren(...pairs.map(([k, v]) => { const tr = el('tr'); tr.append(el('th', k, {scope: 'row'}), el('td', v)); return tr; })); }
function chart(counts) {
  const ns = 'http://www.w3.org/2000/svg', items = Object.entries(counts).filter(([, n]) => n), top = Math.max(1, ...items.map(([, n]) => n)), row = 24, w = 360;
  const svg = document.createElementNS(ns, 'svg');
  const add = (tag, attrs, text) => { const e = document.createElementNS(ns, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (text != null) e.textContent = text; svg.append(e); };
  for (const [k, v] of Object.entries({viewBox: `0 0 ${w} ${row * items.length + 4}`, width: '100%', role: 'img', 'aria-label': 'cell counts: ' + items.map(([c, n]) => `${c} ${n}`).join(', ')})) svg.setAttribute(k, v);
  items.forEach(([c, n], i) => {
    const len = Math.max(1, (w - 160) * n / top);
    add('text', {x: 110, y: i * row + 16, 'text-anchor': 'end', 'font-size': 12}, c);
    add('rect', {x: 116, y: i * row + 4, width: len, height: row - 8, fill: `rgb(${COLOURS[c] || [128, 128, 128]})`});
    add('text', {x: 120 + len, y: i * row + 16, 'font-size': 12}, n);
  });
  return svg;
}
function show(r) {
  const notes = [...(r.rejected || []).map(x => `refused, not counted: ${x.field}: ${x.reason}`), ...r.warnings, ...r.problems.map(p => 'not analysed: ' + p)], p = r.parasitemia;
  $('warnings').replaceChildren(...notes.map(w => el('li', w))); $('warnings').hidden = !notes.length;
  $('parasitemia').textContent = p.percent == null ? 'no red cells counted' : `${p.percent.toFixed(2)}% (95% CI ${p.ci95[0].toFixed(2)}-${p.ci95[1].toFixed(2)}%), ${p.infected} infected of ${p.counted} red cells`;
  const c = p.corrected; $('parasitemia-corrected').textContent = c ? `corrected for the model's errors: ${c.percent.toFixed(2)}% (95% interval ${c.ci95[0].toFixed(2)}-${c.ci95[1].toFixed(2)}%)` + (c.detected ? '' : `; no parasites found above the detection limit of ${c.detection_limit_percent.toFixed(2)}%`) : (p.percent == null ? '' : "not corrected for the model's errors");
  $('counts').replaceChildren(chart(r.counts));
  rows($('differential'), Object.entries(r.differential).map(([c, v]) => [c, v == null ? '-' : v.toFixed(1) + '%']));
  const dens = [['red cells per mm²', r.rbc_per_mm2], ['platelets per mm²', r.platelets_per_mm2], ['scale', `${r.um_per_px.toFixed(3)} µm per pixel (${r.scale})`]];
  if ('rbc_per_ul' in r) dens.push(['red cells per µL', `${(r.rbc_per_ul / 1e6).toFixed(2)} million (${r.rbc_flag}${r.unchecked ? '; ' + r.unchecked.rbc_per_ul : ''})`], ['platelets per µL', `${Math.round(r.platelets_per_ul / 1e3)} thousand (${r.platelet_flag})`], ['anaemia flag', (r.anaemia_flag ? 'YES: possible anaemia' : 'no') + (r.unchecked ? ` (${r.unchecked.anaemia_flag})` : '')]);
  rows($('density'), dens);
  $('fields').replaceChildren(...(r.images || []).map(f => { const fig = el('figure'); fig.append(el('img', null, {src: f.png, alt: `${f.name}, with the cells found outlined`}), el('figcaption', f.name)); return fig; }));
  $('disclaimer').textContent = r.disclaimer; $('result').hidden = false;
}
$('upload').addEventListener('submit', async e => {
  e.preventDefault();
  const size = chosen.reduce((s, f) => s + f.size, 0);
  if (size > MAX_BODY) { say(`The photos add up to ${(size / 1e6).toFixed(1)} MB; at most ${MAX_BODY / 1e6} MB can be sent at once.`); return; }
  const body = new FormData(), q = new URLSearchParams({annotated: '1'});
  for (const f of chosen) body.append('file', f, f.name);
  for (const [k, id] of [['patient', 'patient'], ['sex', 'sex'], ['depth_um', 'depth'], ['um_per_px', 'umpx']]) if ($(id).value) q.set(k, $(id).value);
  const headers = $('token').value ? {Authorization: 'Bearer ' + $('token').value} : {};
  $('go').disabled = true; say(`Analysing ${chosen.length} photo(s)...`); const t0 = performance.now();
  try {
    const res = await fetch('api/analyze?' + q, {method: 'POST', body, headers}), r = await res.json();
    if (res.status === 401) $('settings').open = true;
    if (!res.ok) { say(`Not analysed (${res.status}): ${r.error}`); return; }
    show(r); say(`Analysed ${r.fields.length} field(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  } catch (err) { say('No answer from the server: ' + err.message); }
  finally { $('go').disabled = !chosen.length; }
});
listChosen();
