(function () {
  'use strict';
  // Pods and standalone containers come from the embedded index:
  // [[element id, names, [id...], [pid...]], ...], names and ids lowercased. Processes come
  // from the process tree's lines: their id is `p<pid>`, their text holds the names.
  var index = JSON.parse(document.getElementById('search-index').textContent);
  var box = document.getElementById('q');
  var status = document.getElementById('qn');
  var entries = index.map(function (e) {
    return { id: e[0], names: e[1], ids: e[2], pids: e[3].map(String), el: null };
  });
  document.querySelectorAll('#processes .l[id]').forEach(function (el) {
    entries.push({ id: el.id, names: null, ids: [], pids: [el.id.slice(1)], el: el });
  });
  // Above this many matching pods, matches stay collapsed to their summary line.
  var OPEN_MATCHES_MAX = 20;

  function element(e) {
    if (e.el === null) { e.el = document.getElementById(e.id) || false; }
    return e.el;
  }

  function matches(e, q) {
    if (e.names === null) { e.names = e.el.textContent.toLowerCase(); }
    if (e.names.indexOf(q) !== -1) { return true; }
    for (var i = 0; i < e.ids.length; i++) {
      if (e.ids[i].lastIndexOf(q, 0) === 0) { return true; }
    }
    return e.pids.indexOf(q) !== -1;
  }

  function openAncestors(el) {
    for (var d = el.parentElement; d; d = d.parentElement) {
      if (d.tagName === 'DETAILS') { d.open = true; }
    }
  }

  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  function run() {
    var q = box.value.trim().toLowerCase();
    var hits = { pod: [], c: [], p: [] };
    entries.forEach(function (e) {
      var el = element(e);
      if (!el) { return; }
      var hit = q === '' || matches(e, q);
      el.hidden = !hit;
      if (hit && q !== '') {
        var kind = e.id.lastIndexOf('pod-', 0) === 0 ? 'pod' : e.id.lastIndexOf('c-', 0) === 0 ? 'c' : 'p';
        hits[kind].push(el);
      }
    });
    document.body.classList.toggle('filtering', q !== '');
    if (q === '') { status.textContent = ''; return; }
    if (hits.pod.length <= OPEN_MATCHES_MAX) { hits.pod.forEach(function (el) { el.open = true; }); }
    hits.c.concat(hits.p).forEach(openAncestors);
    status.textContent = plural(hits.pod.length, 'pod', 'pods') + ', ' +
      plural(hits.c.length, 'container', 'containers') + ', ' +
      plural(hits.p.length, 'process', 'processes');
  }

  var timer = null;
  box.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });

  // A link into a collapsed section opens what holds its target.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    if (!el) { return; }
    if (el.tagName === 'DETAILS') { el.open = true; }
    openAncestors(el);
    el.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('hashchange', reveal);
  reveal();

  // Printing shows everything; the page returns to how it was afterwards.
  var opened = [];
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
}());
