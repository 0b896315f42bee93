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

// running, succeeded, failed, cancelled; and for a factory the run did not run, skipped
// (its run-time condition said no) or cached (served from the result cache).
function stateOf(group) {
  return group.state;
}

// What the result cache did for a factory: a hit, or why it missed ("cache miss: ...").
function cacheOf(group) {
  if (group.kind !== 'factory') return '';
  if (group.state === 'cached') return 'hit';
  return group.description && group.description.startsWith('cache') ? group.description : '';
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
  cached: ['#0969da', '#ffffff'],
  source: ['#f6f8fa', '#1d232a'], input: ['#f6f8fa', '#1d232a'],
};

// Which column a node is drawn in: inputs and sources first, then one column per stage
// (stages run one after another), then unstaged factories by their level.
function columnsOf(nodes) {
  const hasInputs = nodes.some((n) => n.kind !== 'factory');
  const stageCount = dag.stages ? dag.stages.length : 0;
  const base = hasInputs ? 1 : 0;
  const firstLevel = Math.min(...nodes.filter((n) => n.kind === 'factory' && n.stage === null)
    .map((n) => n.level));
  return nodes.map((node) => {
    if (node.kind !== 'factory') return 0;
    if (node.stage !== null) return base + node.stage;
    return base + stageCount + (node.level - firstLevel);
  });
}

function columnTitle(column, nodes, columnOf) {
  const node = nodes[columnOf.indexOf(column)];
  if (node.kind !== 'factory') return 'inputs';
  if (node.stage !== null) {
    const stage = dag.stages[node.stage];
    return `${stage.name}${stage.parallel ? ' (parallel)' : ''}`;
  }
  return 'unstaged';
}

function drawDag() {
  const box = document.getElementById('dag');
  box.replaceChildren();
  if (!dag || !dag.nodes || dag.nodes.length === 0) {
    box.append(element('p', {}, 'No pipeline shown.'));
    return;
  }
  const nodes = dag.nodes;
  const width = 190, height = 46, gapX = 60, gapY = 12, title = 22, nsTitle = 16, bandGap = 24;
  // Columns are folded into bands as wide as the window, so that a long chain of stages
  // stays on screen rather than growing a drawing a hundred thousand pixels wide.
  const columnsPerBand =
    Math.max(1, Math.floor((box.clientWidth - 20 + gapX / 2) / (width + gapX)));
  const columnOf = columnsOf(nodes);
  const members = new Map();  // column -> node indices, by namespace, level and name
  nodes.forEach((node, i) => {
    if (!members.has(columnOf[i])) members.set(columnOf[i], []);
    members.get(columnOf[i]).push(i);
  });
  const used = [...members.keys()].sort((a, b) => a - b);
  const slot = new Map(used.map((column, k) => [column, k]));
  const at = new Array(nodes.length);
  const columnHeight = new Map();
  const namespaces = [];  // {column, ns, top, bottom}
  for (const [column, list] of members) {
    list.sort((a, b) => nodes[a].namespace.localeCompare(nodes[b].namespace) ||
                        nodes[a].level - nodes[b].level || nodes[a].name.localeCompare(nodes[b].name));
    let y = title;
    let open = null;
    for (const i of list) {
      const ns = nodes[i].namespace;
      if (!open || open.ns !== ns) {
        if (open) { open.bottom = y; namespaces.push(open); }
        open = {column, ns, top: y};
        if (ns) y += nsTitle;
      }
      at[i] = [0, y];
      y += height + gapY;
    }
    open.bottom = y;
    namespaces.push(open);
    columnHeight.set(column, y);
  }
  const bands = Math.ceil(used.length / columnsPerBand);
  const bandTop = [10];
  for (let band = 0; band < bands; ++band) {
    let tallest = 0;
    for (const column of used.slice(band * columnsPerBand, (band + 1) * columnsPerBand)) {
      tallest = Math.max(tallest, columnHeight.get(column));
    }
    bandTop.push(bandTop[band] + tallest + bandGap);
  }
  const origin = (column) => {
    const k = slot.get(column);
    return [10 + (k % columnsPerBand) * (width + gapX), bandTop[Math.floor(k / columnsPerBand)]];
  };
  nodes.forEach((node, i) => {
    const [x, y] = origin(columnOf[i]);
    at[i] = [x, y + at[i][1]];
  });
  const drawingWidth = Math.min(used.length, columnsPerBand) * (width + gapX) - gapX / 2 + 20;
  const drawingHeight = bandTop[bands] + 10;
  const svg = element('svg:svg', {width: drawingWidth, height: drawingHeight, role: 'img',
                                  'aria-label': 'pipeline DAG by stage'});
  for (const column of used) {
    const [x, y] = origin(column);
    const stage = element('svg:g', {class: 'stage'});
    stage.append(element('svg:rect', {x: x - 6, y: y - 4, width: width + 12,
                                      height: columnHeight.get(column) - gapY + 8, rx: 8}));
    stage.append(element('svg:text', {x: x, y: y + 12, class: 'stage-name'},
                         columnTitle(column, nodes, columnOf)));
    svg.append(stage);
  }
  for (const space of namespaces) {
    if (!space.ns) continue;
    const [x, y] = origin(space.column);
    const group = element('svg:g', {class: 'namespace'});
    group.append(element('svg:rect', {x: x - 3, y: y + space.top - 2, width: width + 6,
                                      height: space.bottom - space.top - gapY + 6, rx: 6}));
    group.append(element('svg:text', {x: x + 2, y: y + space.top + 11, class: 'namespace-name'},
                         `namespace ${space.ns}`));
    svg.append(group);
  }
  const bandOf = (i) => Math.floor(slot.get(columnOf[i]) / columnsPerBand);
  for (const flow of dag.flows) {
    const [x1, y1] = at[flow.from], [x2, y2] = at[flow.to];
    const fromY = y1 + height / 2, toY = y2 + height / 2;
    let points;
    const next = slot.get(columnOf[flow.to]) === slot.get(columnOf[flow.from]) + 1;
    if (bandOf(flow.from) === bandOf(flow.to) && next) {
      points = [[x1 + width, fromY], [x2, toY]];
    } else {
      // Past other columns or into a later band: out to the right, along the gap under the
      // producer's band, then into the consumer from its left, never behind other nodes.
      const gapY = bandTop[bandOf(flow.from) + 1] - bandGap / 2;
      const outX = x1 + width + gapX / 2, inX = x2 - 8;
      points = [[x1 + width, fromY], [outX, fromY], [outX, gapY], [inX, gapY], [inX, toY], [x2, toY]];
    }
    const attributes = {points: points.map((p) => p.join(',')).join(' '), fill: 'none',
                        stroke: '#8c959f', 'stroke-width': 1.5};
    if (flow.optional) attributes['stroke-dasharray'] = '4 3';
    svg.append(element('svg:polyline', attributes));
  }
  nodes.forEach((node, i) => {
    const [x, y] = at[i];
    const g = element('svg:g', {'data-node': node.name});
    const tooltip = element('svg:title', {}, node.namespace ? `${node.namespace}.${node.name}` : node.name);
    const rect = element('svg:rect', {x, y, width, height, rx: 6});
    const name = element('svg:text', {x: x + 8, y: y + 18},
                         node.name.length > 26 ? node.name.slice(0, 25) + '…' : node.name);
    const state = element('svg:text', {x: x + 8, y: y + 36, class: 'node-state'});
    g.append(tooltip, rect, name, state);
    svg.append(g);
    const view = {rect, name, state, tooltip, label: tooltip.textContent, kind: node.kind};
    nodeViews.set(node.name, view);
    paintNode(view, node.kind === 'factory' ? 'pending' : node.kind, '');
  });
  box.append(svg);
}

function paintNode(view, state, note) {
  if (view.painted === state && view.note === note) return;
  view.painted = state;
  view.note = note;
  const [fill, ink] = LOOK[state] || LOOK.pending;
  view.rect.setAttribute('fill', fill);
  view.name.setAttribute('fill', ink);
  view.state.setAttribute('fill', ink);
  view.state.textContent = state;
  view.tooltip.textContent = note ? `${view.label}: ${state}, ${note}` : view.label;
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

// For the run of the shown pipeline: how many of its factories have finished (ran, were
// skipped or came from the cache) out of all of them; null for other groups.
function progressOf(group, sorted) {
  if (group.kind !== 'pipeline' || !dag || !dag.nodes) return null;
  // By its ancestors where the page knows them; else (a long run's early stage groups are
  // no longer listed) by its path and start.
  const inside = (other) => {
    let id = other.parent_id;
    for (; id && groups.has(id); id = groups.get(id).parent_id) {
      if (id === group.id) return true;
    }
    return id === group.id || (!!id && other.path.startsWith(`${group.path}/`) &&
                               Date.parse(other.started) >= Date.parse(group.started));
  };
  const finished = new Set();
  let shown = false;
  for (const other of sorted) {
    if (other.kind !== 'factory' || !nodeViews.has(other.name) || !inside(other)) continue;
    shown = true;
    if (other.state !== 'running') finished.add(other.name);
  }
  if (!shown) return null;
  return {finished: finished.size, total: dag.nodes.filter((n) => n.kind === 'factory').length};
}

// Times are ISO 8601 in UTC with microseconds, so their text sorts as they happened, finer
// than Date.parse's milliseconds: a warm-up run and the run after it may start within one.
function byStart(a, b) {
  return a.started < b.started ? -1 : a.started > b.started ? 1 : 0;
}

function render() {
  const sorted = [...groups.values()].sort(byStart);
  for (const group of sorted) {  // the latest run of a factory wins
    if (group.kind === 'factory' && nodeViews.has(group.name)) {
      paintNode(nodeViews.get(group.name), stateOf(group), group.message || cacheOf(group));
    }
  }
  const body = document.querySelector('#groups tbody');
  body.replaceChildren();
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
    const done = progressOf(group, sorted);
    if (done) {
      const bar = element('progress', {max: done.total, value: done.finished,
                                       'aria-label': `${group.path}: factories done`});
      cell.append(' ', bar, ` ${done.finished}/${done.total}`);
    }
    row.append(cell);
    row.append(element('td', {}, new Date(Date.parse(group.started)).toLocaleTimeString()));
    row.append(element('td', {class: 'n'}, `${elapsedOf(group).toFixed(1)} s`));
    row.append(element('td', {class: 'n'}, String(group.rows)));
    row.append(element('td', {class: 'n'}, formatBytes(group.bytes)));
    row.append(element('td', {class: 'n'}, formatBytes(group.memory_bytes)));
    row.append(element('td', {class: 'why'}, group.message || cacheOf(group)));
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

// One lane per stage, in the order stages first ran; factories of a stage that ran at the
// same time (a parallel stage's threads) get a row each.
function drawTimeline(factories) {
  const box = document.getElementById('timeline');
  box.replaceChildren();
  if (factories.length === 0) return;
  const start = Math.min(...factories.map((g) => Date.parse(g.started)));
  const end = Math.max(Date.now(), ...factories.map((g) => Date.parse(g.finished || 0)));
  const span = Math.max(end - start, 1);
  // Lanes in the order the stages run; unstaged factories, then others, after them.
  const nodeOf = new Map(dag && dag.nodes ? dag.nodes.map((n) => [n.name, n]) : []);
  const stageCount = dag && dag.stages ? dag.stages.length : 0;
  const laneOf = (group) => {
    const node = nodeOf.get(group.name);
    if (!node || node.kind !== 'factory') return [stageCount + 1, 'other'];
    return node.stage !== null ? [node.stage, dag.stages[node.stage].name] : [stageCount, 'unstaged'];
  };
  const byOrder = new Map();
  for (const group of factories) {
    const [order, name] = laneOf(group);
    if (!byOrder.has(order)) byOrder.set(order, [name, []]);
    byOrder.get(order)[1].push(group);
  }
  const lanes = new Map([...byOrder.keys()].sort((a, b) => a - b).map((k) => byOrder.get(k)));
  const endOf = (group) => (group.state === 'running' ? Date.now() : Date.parse(group.finished || group.started));
  for (const [name, members] of lanes) {
    const rowsEnd = [];  // when the last bar of each row ends
    const placed = members.map((group) => {
      const from = Date.parse(group.started);
      let row = rowsEnd.findIndex((taken) => taken <= from);
      if (row < 0) { row = rowsEnd.length; rowsEnd.push(0); }
      rowsEnd[row] = endOf(group);
      return [group, row];
    });
    const lane = element('div', {class: 'lane'});
    lane.style.height = `${20 * rowsEnd.length}px`;
    lane.append(element('div', {class: 'lane-name', title: name}, name));
    const bars = element('div', {class: 'lane-bars'});
    for (const [group, row] of placed) {
      const from = Date.parse(group.started) - start;
      const to = endOf(group) - start;
      const bar = element('div', {class: `bar ${stateOf(group)}`,
                                  title: `${group.name}: ${stateOf(group)}`});
      bar.style.left = `${(100 * from) / span}%`;
      bar.style.width = `${Math.max(0.5, (100 * (to - from)) / span)}%`;
      bar.style.top = `${3 + 20 * row}px`;
      bars.append(bar);
    }
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
  const known = groups.get(group.id);
  if (known && known.state !== 'running' && group.state === 'running') {
    return;  // an older report: a group never runs again once it has finished
  }
  groups.set(group.id, group);
}

// A pipeline's "skipped" and "restored" events name a factory the run did not run: it is
// shown as that factory's run, skipped or cached, with the event's reason.
function rememberEvent(event) {
  if (event.factory && (event.event === 'skipped' || event.event === 'restored')) {
    remember(outcomeGroup(event.group, event.factory, event.event === 'skipped' ? 'skipped' : 'cached',
                          event.detail || '', event.time));
  } else {
    remember(event.group);
  }
}

function outcomeGroup(pipeline, factory, state, message, time) {
  return {id: `${pipeline.id}/${factory}`, parent_id: pipeline.id, name: factory,
          path: `${pipeline.path}/${factory}`, kind: 'factory', state, message, started: time,
          finished: time, elapsed_seconds: 0, rows: 0, bytes: 0, memory_bytes: 0};
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
  const status = document.getElementById('connection');
  // The stream is opened first and what it brings is held until the snapshot (/dag,
  // /groups) is in: a factory skipped or served from the cache between the two would
  // otherwise be missed, as nothing but its event tells of it.
  const held = [];
  let loading = true;
  const apply = (change) => {
    if (loading) {
      held.push(change);
      return;
    }
    change();
    scheduleRender();
  };
  const stream = new EventSource('/events/stream');
  const opened = new Promise((resolve) => {
    stream.addEventListener('open', resolve, {once: true});
    stream.addEventListener('error', resolve, {once: true});  // full or down: load anyway
  });
  stream.addEventListener('open', () => { status.textContent = 'live'; });
  stream.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
  stream.addEventListener('job', (message) => {
    const event = JSON.parse(message.data);
    apply(() => rememberEvent(event));
  });
  stream.addEventListener('groups', (message) => {
    const running = JSON.parse(message.data);
    apply(() => running.forEach(remember));
  });
  stream.addEventListener('lagged', async () => {
    const again = await (await fetch('/groups')).json();
    apply(() => [...again.finished, ...again.active].forEach(remember));
  });
  await opened;
  const shown = await (await fetch('/dag')).json();
  dag = shown && shown.pipeline;
  drawDag();
  // Let the browser paint the pipeline before the groups, timeline and table are built:
  // with a thousand factories those take longer than the pipeline itself.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const known = await (await fetch('/groups')).json();
  for (const group of shown ? shown.factories : []) remember(group);
  for (const group of [...known.finished, ...known.active]) remember(group);
  loading = false;
  held.splice(0).forEach((change) => change());
  render();
}

// The pipeline is folded to the window's width: drawn again once a resize settles.
let resizing = null;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    if (!dag) return;
    drawDag();
    render();
  }, 200);
});

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
