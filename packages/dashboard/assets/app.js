// The monitoring page: state from /ui/api/state, then live ticks over server-sent events; charts with uPlot.
'use strict';
(() => {
  const SPAN_S = 15 * 60;
  const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
  const CHARTS = [
    { key: 'rate', title: 'requests / s', scale: (v) => v },
    { key: 'errorRate', title: 'error rate %', scale: (v) => (v == null ? null : Math.round(v * 10000) / 100) },
    { key: 'p95', title: 'p95 latency ms', scale: (v) => v },
    { key: 'p99', title: 'p99 latency ms', scale: (v) => v },
  ];
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="pilot-csrf"]').content;
  const state = { series: {}, router: null, environment: null, charts: [], chartReleases: '' };
  // Exposed for people poking at the page from the console (and the browser tests).
  window.pilotDashboard = state;

  const text = (tag, value, cls) => {
    const el = document.createElement(tag);
    el.textContent = value == null ? '' : String(value);
    if (cls) el.className = cls;
    return el;
  };
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) tr.append(c instanceof Node ? wrapTd(c) : text('td', c));
    return tr;
  };
  const wrapTd = (node) => {
    const td = document.createElement('td');
    td.append(node);
    return td;
  };
  const duration = (ms) => {
    if (ms == null || !Number.isFinite(ms)) return '';
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
  };
  const fmt = (v) => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v == null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

  function renderRouter() {
    const r = state.router;
    const body = $('releases').tBodies[0];
    body.replaceChildren();
    if (!r) {
      body.append(row(['no router answers for this environment', '', '', '', '']));
      return;
    }
    const roles = new Map();
    if (r.stable) roles.set(r.stable.version, { role: 'stable', ...r.stable });
    if (r.candidate) roles.set(r.candidate.version, { role: 'candidate', ...r.candidate });
    const versions = new Set([...roles.keys(), ...r.releases.map((x) => x.version)]);
    for (const v of versions) {
      const route = roles.get(v);
      const proc = r.releases.find((x) => x.version === v);
      const weight = route ? route.weight : 0;
      const bar = document.createElement('span');
      bar.append(text('span', `${weight}% `), Object.assign(document.createElement('span'), { className: 'weightbar', style: `width:${weight}px` }));
      const healthy = !route || route.healthy == null ? '—' : route.healthy ? 'yes' : 'no';
      const tr = row([v, route ? route.role : proc && proc.retiring ? 'retiring' : 'not routed', bar, proc ? proc.state : '—', healthy]);
      tr.dataset.release = v;
      tr.dataset.weight = String(weight);
      body.append(tr);
    }
    $('routes-source').hidden = !r.source;
    $('routes-source').textContent = r.source || '';
    $('maintenance').hidden = !r.maintenance;
    $('maintenance').textContent = r.maintenance ? `Maintenance mode: ${r.maintenance.message}` : '';
  }

  function renderEnvironment() {
    const e = state.environment;
    $('env').textContent = e ? `${e.service ? `${e.service} · ` : ''}${e.env}` : '';
    const d = e && e.open;
    const box = $('deployment');
    box.replaceChildren();
    if (!d) box.append(text('p', 'none', 'muted'));
    else {
      const dl = document.createElement('dl');
      const add = (k, v, id) => {
        if (v == null || v === '') return;
        dl.append(text('dt', k));
        const dd = text('dd', v);
        if (id) dd.id = id;
        dl.append(dd);
      };
      add('deployment', d.id);
      add('release', `${d.release || '?'}${d.previous ? ` (replacing ${d.previous})` : ''}`);
      add('status', d.status, 'dep-status');
      if (d.step) add('step', `${d.step.name} (${d.step.index || '?'}/${d.step.total})${d.step.completed ? ' ✓' : ''}`, 'dep-step');
      add('weight', d.weight != null ? `${d.weight}%` : '', 'dep-weight');
      if (d.step && d.step.since) add('time in step', duration(Date.now() - Date.parse(d.step.since)), 'dep-time');
      add('next', d.next, 'dep-next');
      add('paused because', d.pauseReason, 'dep-pause');
      add('due at', d.dueAt);
      box.append(dl);
    }
    renderActions();
    const verdicts = $('verdicts');
    verdicts.replaceChildren();
    if (!e || !e.verdicts.length) verdicts.append(text('p', 'none yet', 'muted'));
    for (const v of (e && e.verdicts) || []) {
      const div = document.createElement('div');
      div.className = 'verdict';
      div.append(text('strong', `${v.step}: `), text('span', v.decision, `decision-${v.decision}`), text('span', ` ${new Date(v.ts).toLocaleTimeString()}`, 'muted'));
      const ul = document.createElement('ul');
      for (const r of v.reasons) ul.append(text('li', describeReason(r)));
      div.append(ul);
      verdicts.append(div);
    }
    const recent = $('recent').tBodies[0];
    recent.replaceChildren();
    for (const d2 of (e && e.recent) || []) {
      const link = d2.report ? Object.assign(document.createElement('a'), { href: `report/${encodeURIComponent(d2.id)}`, textContent: 'report', target: '_blank' }) : text('span', '—', 'muted');
      recent.append(row([d2.id, d2.release || '?', text('span', d2.status.replace('_', ' '), `outcome-${d2.status}`), d2.startedAt ? new Date(d2.startedAt).toLocaleString() : '', duration(d2.durationMs), link]));
    }
    const lock = e && e.lock;
    $('lock').textContent = !lock ? '' : lock.held ? `held by deployment ${lock.deploymentId} (${lock.state || 'unknown'})${lock.actor ? `, acting: ${lock.actor}` : ''}${lock.since ? ` since ${new Date(lock.since).toLocaleTimeString()}` : ''}` : 'free';
  }

  function describeReason(r) {
    const name = r.rule || r.metric || 'check';
    const parts = [`${name}:`];
    if (r.observed !== undefined) parts.push(`observed ${fmt(r.observed)}`);
    if (r.threshold !== undefined) parts.push(`vs threshold ${fmt(r.threshold)}`);
    if (r.stable !== undefined) parts.push(`(stable ${fmt(r.stable)})`);
    if (r.test) parts.push(`test ${r.test}`);
    if (r.pValue !== undefined) parts.push(`p=${fmt(r.pValue)}`);
    if (r.samples !== undefined) parts.push(`samples ${fmt(r.samples)}`);
    if (r.window) parts.push(`over ${r.window}`);
    if (r.detail) parts.push(`— ${r.detail}`);
    return parts.join(' ');
  }

  const LABELS = { promote: 'Promote', 'promote-full': 'Promote --full', abort: 'Roll back (abort)', resume: 'Resume' };
  function renderActions() {
    const box = $('actions');
    box.replaceChildren();
    const e = state.environment;
    for (const a of (e && e.actions) || []) {
      const b = text('button', LABELS[a.name] || a.name, a.name === 'abort' ? 'danger' : '');
      b.type = 'button';
      b.id = `action-${a.name}`;
      b.disabled = !a.enabled;
      b.title = a.command;
      b.addEventListener('click', () => confirmAction(a));
      box.append(b);
    }
  }

  function confirmAction(a) {
    $('confirm-text').textContent = `${LABELS[a.name]} on ${state.environment.env}?`;
    $('confirm-command').textContent = `Same as: ${a.command}`;
    const dialog = $('confirm');
    dialog.returnValue = '';
    dialog.onclose = () => {
      if (dialog.returnValue === 'ok') void act(a.name);
    };
    dialog.showModal();
  }

  async function act(name) {
    const out = $('action-result');
    out.textContent = `${name}: sending…`;
    const token = sessionStorage.getItem('pilot-token') || '';
    try {
      const res = await fetch('api/action', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-pilot-csrf': csrf, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ action: name, actor: sessionStorage.getItem('pilot-actor') || '' }),
      });
      const body = await res.json();
      out.textContent = `${name}: ${body.message || body.error}`;
      out.className = res.ok ? '' : 'decision-rollback';
    } catch (error) {
      out.textContent = `${name}: ${error}`;
    }
  }

  function renderToken() {
    const has = Boolean(sessionStorage.getItem('pilot-token'));
    $('token-state').textContent = has ? 'actions enabled (token in this tab)' : 'read-only';
  }
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if ($('token').value) sessionStorage.setItem('pilot-token', $('token').value.trim());
    if ($('actor').value) sessionStorage.setItem('pilot-actor', $('actor').value.trim());
    $('token').value = '';
    renderToken();
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem('pilot-token');
    renderToken();
  });

  // A one-time link carries its token in the fragment (never sent to a server, never in a log): exchanged once, then gone.
  async function redeemLink() {
    const once = /(?:^|[#&])once=([\w-]+)/.exec(location.hash)?.[1];
    if (!once) return;
    history.replaceState(null, '', location.pathname);
    const res = await fetch('api/session', { method: 'POST', headers: { 'content-type': 'application/json', 'x-pilot-csrf': csrf }, body: JSON.stringify({ once }) });
    const body = await res.json();
    if (res.ok && body.token) sessionStorage.setItem('pilot-token', body.token);
    else $('action-result').textContent = body.error || 'the one-time link was already used';
  }

  function chartData(key, scale) {
    const versions = Object.keys(state.series).sort();
    const times = new Set();
    for (const v of versions) for (const p of state.series[v]) times.add(p.t);
    const xs = [...times].sort((a, b) => a - b);
    const index = new Map(xs.map((t, i) => [t, i]));
    const data = [xs.map((t) => t / 1000)];
    for (const v of versions) {
      const ys = new Array(xs.length).fill(null);
      for (const p of state.series[v]) ys[index.get(p.t)] = scale(p[key]);
      data.push(ys);
    }
    return { versions, data };
  }

  function renderCharts() {
    const versions = Object.keys(state.series).sort();
    const box = $('charts');
    const width = Math.max(380, Math.floor(box.clientWidth / 2) - 12);
    if (versions.join() !== state.chartReleases || state.charts.length === 0) {
      for (const c of state.charts) c.destroy();
      box.replaceChildren();
      state.charts = CHARTS.map((spec) => {
        const { data } = chartData(spec.key, spec.scale);
        const el = document.createElement('div');
        el.className = 'chart';
        el.dataset.metric = spec.key;
        box.append(el);
        const series = [{}, ...versions.map((v, i) => ({ label: v, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: spec.key !== 'rate' }))];
        return new uPlot({ title: spec.title, width, height: 200, series, scales: { x: { time: true } }, axes: [{}, { size: 60 }] }, data, el);
      });
      state.chartReleases = versions.join();
      return;
    }
    CHARTS.forEach((spec, i) => state.charts[i].setData(chartData(spec.key, spec.scale).data));
  }

  function merge(points) {
    const cutoff = Date.now() - SPAN_S * 1000;
    for (const [v, list] of Object.entries(points || {})) state.series[v] = [...(state.series[v] || []), ...list];
    for (const v of Object.keys(state.series)) {
      state.series[v] = state.series[v].filter((p) => p.t >= cutoff);
      if (!state.series[v].some((p) => p.n > 0)) delete state.series[v];
    }
  }

  // A server showing several environments lists them all; the one on screen is marked.
  function renderEnvironments(list) {
    const nav = $('envs');
    nav.hidden = !list;
    if (!list) return;
    const current = state.environment && state.environment.env;
    nav.replaceChildren(
      ...list.map((e) => {
        const a = Object.assign(document.createElement('a'), { href: e.href, textContent: e.env, title: `${e.env} (${e.target} target)` });
        a.dataset.env = e.env;
        if (e.env === current) a.setAttribute('aria-current', 'page');
        return a;
      }),
    );
  }

  function apply(snapshot) {
    state.router = snapshot.router;
    state.environment = snapshot.environment;
    $('updated').textContent = `updated ${new Date(snapshot.now).toLocaleTimeString()}`;
    $('series-note').hidden = !snapshot.seriesNote;
    $('series-note').textContent = snapshot.seriesNote || '';
    renderRouter();
    renderEnvironment();
    renderEnvironments(snapshot.environments);
  }

  async function start() {
    await redeemLink().catch(() => {});
    renderToken();
    const res = await fetch('api/state');
    const first = await res.json();
    state.series = first.series || {};
    apply(first);
    renderCharts();
    const events = new EventSource('api/events');
    events.addEventListener('open', () => $('live-dot').classList.add('on'));
    events.addEventListener('error', () => $('live-dot').classList.remove('on'));
    events.addEventListener('tick', (ev) => {
      const tick = JSON.parse(ev.data);
      merge(tick.points);
      apply(tick);
      renderCharts();
    });
  }
  void start();
})();
