(function () {
  'use strict';
  // Lazy bodies: a <details> that starts closed holds its body as an HTML comment (the parser
  // only scans it, which keeps a big node's report quick to open). `materialize` turns that
  // comment into elements; it runs before a details opens, before search or a link needs what
  // is inside, and before printing. Nothing here walks the page before its first frame.
  //
  // On a big page (`data-lazy="deflate-raw"` on <body>) each comment holds `z LENGTH BASE64`
  // instead: a piece of one raw deflate stream over every body in document order
  // (analyzer/src/report/lazy.rs). Right after the first frame the pieces are joined and
  // expanded once with the browser's DecompressionStream; whatever needs a body before then
  // waits for it (`whenReady`). <html data-bodies> says `ready` or `failed` once settled.
  var COMMENT = 8;
  var compressed = document.body.getAttribute('data-lazy') === 'deflate-raw';
  var inflated = null;
  var failure = null;
  var waiting = [];
  var decoder = new TextDecoder();

  function ready() { return !compressed || inflated !== null || failure !== null; }

  function whenReady(fn) {
    if (ready()) { fn(); } else { waiting.push(fn); }
  }

  function settle() {
    document.documentElement.setAttribute('data-bodies', failure === null ? 'ready' : 'failed');
    var queued = waiting;
    waiting = [];
    queued.forEach(function (fn) { fn(); });
  }

  function expandAll() {
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
    var parts = [];
    var total = 0;
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.data.lastIndexOf('z ', 0) !== 0) { continue; }
      var space = n.data.indexOf(' ', 2);
      var binary = atob(n.data.slice(space + 1));
      var bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
      parts.push(bytes);
      n.bodyStart = total;
      n.bodyLength = Number(n.data.slice(2, space));
      total += n.bodyLength;
    }
    // Every piece ends in a sync flush; a last empty final block closes the stream.
    parts.push(new Uint8Array([3, 0]));
    var stream = new Blob(parts).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      if (buffer.byteLength !== total) {
        throw new Error('expanded ' + buffer.byteLength + ' bytes where the page says ' + total);
      }
      inflated = new Uint8Array(buffer);
    });
  }

  if (compressed) {
    setTimeout(function () {
      if (typeof DecompressionStream !== 'function') {
        failure = 'this browser has no DecompressionStream';
        settle();
        return;
      }
      try {
        expandAll().then(settle, function (e) { failure = String(e && e.message || e); settle(); });
      } catch (e) {
        failure = String(e && e.message || e);
        settle();
      }
    }, 0);
  } else {
    settle();
  }

  function lazyBody(d) {
    for (var n = d.lastChild; n; n = n.previousSibling) {
      if (n.nodeType === COMMENT) { return n; }
    }
    return null;
  }

  // The HTML a lazy body holds; empty when it cannot be expanded.
  function bodyText(comment) {
    if (!compressed) { return comment.data; }
    if (inflated === null) { return ''; }
    if (comment.bodyText === undefined) {
      comment.bodyText = decoder.decode(inflated.subarray(comment.bodyStart, comment.bodyStart + comment.bodyLength));
    }
    return comment.bodyText;
  }

  // `quiet` skips re-applying the search filter, for callers that fill many and apply it once.
  function materialize(d, quiet) {
    var body = lazyBody(d);
    if (!body) { return; }
    if (!ready()) {
      whenReady(function () { materialize(d, quiet); });
      return;
    }
    var holder = document.createElement('template');
    if (failure === null) {
      holder.innerHTML = bodyText(body);
    } else {
      var note = document.createElement('p');
      note.className = 'muted';
      note.textContent = 'This section is stored compressed and this browser cannot expand it (' +
        failure + '). Open the report in a current Chromium, Firefox or Safari.';
      holder.content.appendChild(note);
    }
    d.replaceChild(holder.content, body);
    if (!quiet) { applyFilter(); }
  }

  // Callers run once bodies are ready (`whenReady`), so every fill happens now.
  function materializeAll(scope) {
    lazyDetails(scope).forEach(function (d) { materialize(d, true); });
    applyFilter();
  }

  function lazyDetails(scope) {
    return Array.prototype.filter.call((scope || document).querySelectorAll('details'), function (d) {
      return lazyBody(d) !== null;
    });
  }

  function openDetails(d) {
    materialize(d);
    d.open = true;
  }

  function openAncestors(el) {
    for (var d = el.parentElement; d; d = d.parentElement) {
      if (d.tagName === 'DETAILS') { openDetails(d); }
    }
  }

  // A click on a closed summary fills its details before the browser opens it, so the first
  // frame already shows the content; `toggle` covers every other way a details opens.
  document.addEventListener('click', function (ev) {
    var summary = ev.target.closest ? ev.target.closest('summary') : null;
    var d = summary ? summary.parentElement : null;
    if (d && d.tagName === 'DETAILS' && !d.open) { materialize(d); }
  }, true);
  document.addEventListener('toggle', function (ev) {
    if (ev.target.open) { materialize(ev.target); }
  }, true);

  // Search. Pods and standalone containers come from the embedded index (a lazy body of its own):
  // [[element id, names, [id...], [pid...], [[pid...] of each id]], ...], names and ids
  // lowercased. Processes come from the process tree's lines: their id is `p<pid>`, their text
  // holds the names. Both are read on the first search, not at load.
  var box = document.getElementById('q');
  var status = document.getElementById('qn');
  var entries = null;
  // Above this many matching pods, matches stay collapsed to their summary line.
  var OPEN_MATCHES_MAX = 20;

  function loadEntries() {
    var index = JSON.parse(bodyText(lazyBody(document.getElementById('search-index'))));
    entries = index.map(function (e) {
      return { id: e[0], process: false, names: e[1], ids: e[2], pids: e[3].map(String), idPids: e[4], el: null, hit: true };
    });
    materializeAll(document.getElementById('processes'));
    document.querySelectorAll('#processes .l[id]').forEach(function (el) {
      entries.push({ id: el.id, process: true, names: null, ids: [], pids: [el.id.slice(1)], idPids: [], el: el, hit: true });
    });
  }

  function element(e) {
    if (!e.el) { e.el = document.getElementById(e.id); }
    return e.el;
  }

  function matchesText(e, q) {
    if (e.names === null) { e.names = e.el.textContent.toLowerCase(); }
    return e.names.indexOf(q) !== -1 || e.pids.indexOf(q) !== -1;
  }

  // The pids of every id that starts with q: what an id prefix names.
  function pidsById(e, q, into) {
    var found = false;
    for (var i = 0; i < e.ids.length; i++) {
      if (e.ids[i].lastIndexOf(q, 0) === 0) {
        found = true;
        (e.idPids[i] || []).forEach(function (pid) { into[pid] = true; });
      }
    }
    return found;
  }

  function applyFilter() {
    if (entries === null) { return; }
    entries.forEach(function (e) {
      var el = element(e);
      if (el) { el.hidden = !e.hit; }
    });
  }

  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  function run() {
    var q = box.value.trim().toLowerCase();
    if (entries === null) {
      if (q === '') { return; }
      loadEntries();
    }
    // Pods and containers first: those matched by an id prefix name the processes to show.
    var named = {};
    var hits = { pod: [], c: [], p: [] };
    entries.forEach(function (e) {
      if (!e.process) { e.hit = q === '' || pidsById(e, q, named) || matchesText(e, q); }
    });
    entries.forEach(function (e) {
      if (e.process) { e.hit = q === '' || named[e.pids[0]] === true || matchesText(e, q); }
      if (e.hit && q !== '') {
        var kind = e.id.lastIndexOf('pod-', 0) === 0 ? 'pod' : e.id.lastIndexOf('c-', 0) === 0 ? 'c' : 'p';
        hits[kind].push(e);
      }
    });
    applyFilter();
    document.body.classList.toggle('filtering', q !== '');
    if (q === '') { status.textContent = ''; return; }
    if (hits.pod.length <= OPEN_MATCHES_MAX) {
      hits.pod.forEach(function (e) { if (element(e)) { openDetails(e.el); } });
    }
    hits.c.concat(hits.p).forEach(function (e) { if (element(e)) { openAncestors(e.el); } });
    status.textContent = plural(hits.pod.length, 'pod', 'pods') + ', ' +
      plural(hits.c.length, 'container', 'containers') + ', ' +
      plural(hits.p.length, 'process', 'processes');
  }

  var timer = null;
  box.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { whenReady(run); }, 120);
  });

  // A link into a collapsed section opens what holds its target, filling lazy bodies that
  // hold it first.
  function find(id) {
    var el = document.getElementById(id);
    var marker = 'id="' + id + '"';
    while (!el) {
      var holder = lazyDetails().filter(function (d) { return bodyText(lazyBody(d)).indexOf(marker) !== -1; })[0];
      if (!holder) { return null; }
      materialize(holder);
      el = document.getElementById(id);
    }
    return el;
  }

  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var existed = id !== '' && document.getElementById(id) !== null;
    var el = id ? find(id) : null;
    if (!el) { return; }
    if (el.tagName === 'DETAILS') { openDetails(el); }
    openAncestors(el);
    // A target filled just now is not the page's :target yet; navigating to the same fragment
    // again makes it so (and fires no hashchange).
    if (!existed) { location.replace(location.hash); }
    el.scrollIntoView({ block: 'start' });
  }
  window.addEventListener('hashchange', function () { whenReady(reveal); });
  if (location.hash) { whenReady(reveal); }

  // Printing shows everything; the page returns to how it was afterwards (lazy bodies stay
  // filled, only closed again). The browser prints right after this event, so on a compressed
  // page only bodies already expanded can be shown (they are, a moment after the page opens).
  var opened = [];
  window.addEventListener('beforeprint', function () {
    if (ready()) { materializeAll(); }
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
}());
