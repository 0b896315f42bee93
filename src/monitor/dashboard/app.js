// The live dashboard: the pipeline (GET /dag) with each factory's state, a timeline of the
// factory runs and the job groups with a cancel button, kept current by the server's event
// stream (GET /events/stream). Every value from the run is set as text, never as markup;
// the token is kept in this page's memory only and sent in a header.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_FINISHED_ROWS = 200;
const groups = new Map();  // id -> group info, as the server last described it
let dag = null;
const nodeViews = new Map();  // factory name -> {rect, state}
let token = '';
let cancelling = null;  // the group id the token form is for

function stateOf(group) {
  if (group.state === 'running') return 'running';
  return group.state;  // succeeded, failed, cancelled
}

function element(tag, attributes = {}, text = null) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4))
                                      : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

const LOOK = {
  pending: ['#eaeef2', '#1d232a'], running: ['#bf8700', '#ffffff'],
  succeeded: ['#2da44e', '#ffffff'], failed: ['#cf222e', '#ffffff'],
  cancelled: ['#9a6700', '#ffffff'], skipped: ['#8c959f', '#ffffff'],
  source: ['#f6f8fa', '#1d232a'], input: ['#f6f8fa', '#1d232a'],
};

function drawDag() {
  const box = document.getElementById('dag');
  box.replaceChildren();
  if (!dag || !dag.nodes) {
    box.append(element('p', {}, 'No pipeline shown.'));
    return;
  }
  const width = 190, height = 46, gapX = 60, gapY = 16, bandGap = 30;
  // Levels left to right, folded into bands of a few columns so that a long chain stays
  // on screen rather than growing a drawing a hundred thousand pixels wide.
  const columnsPerBand = 6;
  const first = Math.min(...dag.nodes.map((n) => n.level));
  const rows = new Map();
  const rowOf = dag.nodes.map((node) => {
    const level = node.level - first;
    const row = rows.get(level) || 0;
    rows.set(level, row + 1);
    return row;
  });
  const bandTop = [0];
  const bands = Math.ceil((Math.max(...rows.keys()) + 1) / columnsPerBand);
  for (let band = 0; band < bands; ++band) {
    let tallest = 0;
    for (let c = 0; c < columnsPerBand; ++c) tallest = Math.max(tallest, rows.get(band * columnsPerBand + c) || 0);
    bandTop.push(bandTop[band] + tallest * (height + gapY) + bandGap);
  }
  const at = dag.nodes.map((node, i) => {
    const level = node.level - first;
    const band = Math.floor(level / columnsPerBand);
    return [10 + (level % columnsPerBand) * (width + gapX),
            10 + bandTop[band] + rowOf[i] * (height + gapY)];
  });
  const columns = Math.max(...at.map((p) => p[0])) + width + 20;
  const tall = Math.max(...at.map((p) => p[1])) + height + 20;
  const svg = element('svg:svg', {width: columns, height: tall, role: 'img',
                                  'aria-label': 'pipeline DAG'});
  for (const flow of dag.flows) {
    const [x1, y1] = at[flow.from], [x2, y2] = at[flow.to];
    svg.append(element('svg:line', {x1: x1 + width, y1: y1 + height / 2, x2, y2: y2 + height / 2,
                                    stroke: '#8c959f', 'stroke-width': 1.5}));
  }
  dag.nodes.forEach((node, i) => {
    const [x, y] = at[i];
    const g = element('svg:g', {'data-node': node.name});
    const title = element('svg:title', {}, node.name);
    const rect = element('svg:rect', {x, y, width, height, rx: 6});
    const name = element('svg:text', {x: x + 8, y: y + 18},
                         node.name.length > 26 ? node.name.slice(0, 25) + '…' : node.name);
    const state = element('svg:text', {x: x + 8, y: y + 36, class: 'node-state'});
    g.append(title, rect, name, state);
    svg.append(g);
    const view = {rect, name, state, kind: node.kind};
    nodeViews.set(node.name, view);
    paintNode(view, node.kind === 'factory' ? 'pending' : node.kind);
  });
  box.append(svg);
}

function paintNode(view, state) {
  if (view.painted === state) return;
  view.painted = state;
  const [fill, ink] = LOOK[state] || LOOK.pending;
  view.rect.setAttribute('fill', fill);
  view.name.setAttribute('fill', ink);
  view.state.setAttribute('fill', ink);
  view.state.textContent = state;
}

function elapsedOf(group) {
  if (group.state === 'running') {
    return (Date.now() - Date.parse(group.started)) / 1000;
  }
  return group.elapsed_seconds;
}

function formatBytes(bytes) {
  if (!bytes) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; ++unit; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function render() {
  for (const group of groups.values()) {
    if (group.kind === 'factory' && nodeViews.has(group.name)) {
      paintNode(nodeViews.get(group.name), stateOf(group));
    }
  }
  const body = document.querySelector('#groups tbody');
  body.replaceChildren();
  const sorted = [...groups.values()].sort((a, b) => Date.parse(a.started) - Date.parse(b.started));
  // Every run and running group, and the most recent finished ones: a long run's table
  // stays short.
  const finished = sorted.filter((g) => g.state !== 'running');
  const shown = new Set([...sorted.filter((g) => g.state === 'running' || !g.parent_id),
                         ...finished.slice(-MAX_FINISHED_ROWS)]);
  for (const group of sorted.filter((g) => shown.has(g))) {
    const row = element('tr', {'data-group': group.id});
    row.append(element('th', {scope: 'row'}, group.path));
    row.append(element('td', {}, group.kind));
    const cell = element('td');
    cell.append(element('span', {class: `state ${stateOf(group)}`}, stateOf(group)));
    row.append(cell);
    row.append(element('td', {}, new Date(Date.parse(group.started)).toLocaleTimeString()));
    row.append(element('td', {class: 'n'}, `${elapsedOf(group).toFixed(1)} s`));
    row.append(element('td', {class: 'n'}, String(group.rows)));
    row.append(element('td', {class: 'n'}, formatBytes(group.bytes)));
    row.append(element('td', {class: 'n'}, formatBytes(group.memory_bytes)));
    const actions = element('td');
    if (group.state === 'running') {
      const button = element('button', {type: 'button', 'data-cancel': group.id}, 'Cancel');
      button.setAttribute('aria-label', `Cancel ${group.path}`);
      button.addEventListener('click', () => askToCancel(group.id));
      actions.append(button);
    }
    row.append(actions);
    body.append(row);
  }
  drawTimeline(sorted.filter((g) => g.kind === 'factory'));
}

function drawTimeline(factories) {
  const box = document.getElementById('timeline');
  box.replaceChildren();
  if (factories.length === 0) return;
  const start = Math.min(...factories.map((g) => Date.parse(g.started)));
  const end = Math.max(Date.now(), ...factories.map((g) => Date.parse(g.finished || 0)));
  const span = Math.max(end - start, 1);
  for (const group of factories) {
    const lane = element('div', {class: 'lane'});
    lane.append(element('div', {class: 'lane-name'}, group.name));
    const bars = element('div', {class: 'lane-bars'});
    const from = Date.parse(group.started) - start;
    const to = (group.state === 'running' ? Date.now() : Date.parse(group.finished)) - start;
    const bar = element('div', {class: `bar ${stateOf(group)}`,
                                title: `${group.name}: ${stateOf(group)}`});
    bar.style.left = `${(100 * from) / span}%`;
    bar.style.width = `${Math.max(0.5, (100 * (to - from)) / span)}%`;
    bars.append(bar);
    lane.append(bars);
    box.append(lane);
  }
}

function askToCancel(id) {
  cancelling = id;
  if (token) {
    cancel();
    return;
  }
  const form = document.getElementById('token-form');
  form.hidden = false;
  document.getElementById('token').focus();
}

async function cancel() {
  const id = cancelling;
  cancelling = null;
  document.getElementById('token-form').hidden = true;
  const response = await fetch(`/groups/${encodeURIComponent(id)}/cancel`, {
    method: 'POST', headers: {Authorization: `Bearer ${token}`},
  });
  if (response.status === 401) {
    token = '';  // wrong: asked again next time
  }
  const status = document.getElementById('connection');
  status.textContent = response.ok ? `cancel sent to group ${id}` : `cancel refused (${response.status})`;
}

function remember(group) {
  groups.set(group.id, group);
}

// Events come in bursts (a thousand factories start and end within a second): the page is
// drawn once per frame, whatever arrived since.
let drawing = false;
function scheduleRender() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    render();
  });
}

async function load() {
  const shown = await (await fetch('/dag')).json();
  dag = shown && shown.pipeline;
  drawDag();
  const known = await (await fetch('/groups')).json();
  for (const group of shown ? shown.factories : []) remember(group);
  for (const group of [...known.finished, ...known.active]) remember(group);
  render();
  const stream = new EventSource('/events/stream');
  const status = document.getElementById('connection');
  stream.addEventListener('open', () => { status.textContent = 'live'; });
  stream.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
  stream.addEventListener('job', (message) => {
    remember(JSON.parse(message.data).group);
    scheduleRender();
  });
  stream.addEventListener('groups', (message) => {
    for (const group of JSON.parse(message.data)) remember(group);
    scheduleRender();
  });
  stream.addEventListener('lagged', async () => {
    const again = await (await fetch('/groups')).json();
    for (const group of [...again.finished, ...again.active]) remember(group);
    render();
  });
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = document.getElementById('token').value;
  document.getElementById('token').value = '';
  cancel();
});
document.getElementById('token-cancel').addEventListener('click', () => {
  cancelling = null;
  document.getElementById('token-form').hidden = true;
});
load();
