(function () {
  'use strict';
  // The fleet page's script: a filter over the rows that name nodes, and sorting the node
  // table by a column. It reads only the page; nothing is loaded.
  var box = document.getElementById('q');
  var status = document.getElementById('qn');
  var table = document.getElementById('node-table');
  var rows = null;

  function filter() {
    if (rows === null) {
      rows = Array.prototype.slice.call(document.querySelectorAll('table.filter tbody tr'));
      rows.forEach(function (row) { row.searchText = row.textContent.toLowerCase(); });
    }
    var q = box.value.trim().toLowerCase();
    rows.forEach(function (row) { row.hidden = q !== '' && row.searchText.indexOf(q) === -1; });
    if (q === '') { status.textContent = ''; return; }
    var all = table.tBodies[0].rows;
    var shown = Array.prototype.filter.call(all, function (row) { return !row.hidden; }).length;
    status.textContent = shown + ' of ' + all.length + (all.length === 1 ? ' input' : ' inputs');
  }

  var timer = null;
  box.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(filter, 100);
  });

  // Sorting: numbers in columns marked `num` (empty is 0), text elsewhere; inputs that were
  // not read and repeated snapshots stay last. A second click on the same column reverses the order.
  function key(row, column, numeric) {
    var cell = row.cells[column];
    var text = cell ? cell.textContent.trim() : '';
    return numeric ? Number(text.replace(/,/g, '')) || 0 : text.toLowerCase();
  }

  table.tHead.addEventListener('click', function (ev) {
    var button = ev.target.closest ? ev.target.closest('button.sort') : null;
    if (!button) { return; }
    var th = button.parentElement;
    var column = Array.prototype.indexOf.call(th.parentElement.children, th);
    var numeric = th.classList.contains('num');
    var descending = th.getAttribute('aria-sort') === 'ascending';
    Array.prototype.forEach.call(th.parentElement.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    var body = table.tBodies[0];
    var list = Array.prototype.slice.call(body.rows).map(function (row, at) {
      var bad = row.classList.contains('bad') || row.classList.contains('dup');
      return { row: row, at: at, bad: bad, key: key(row, column, numeric) };
    });
    list.sort(function (a, b) {
      if (a.bad !== b.bad) { return a.bad ? 1 : -1; }
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (descending ? -order : order) || a.at - b.at;
    });
    var sorted = document.createDocumentFragment();
    list.forEach(function (item) { sorted.appendChild(item.row); });
    body.appendChild(sorted);
  });
}());
