/* The published atlas's index map: Leaflet (vendored), data from <script> files (file:// allows no fetch()),
 * the legend as a filter applied here, a search box, click cards. Text from data is set with textContent or
 * comes as HTML the atlas escaped when it wrote the file. Nothing is loaded from the web. */
(function () {
  "use strict";
  var D = window.ATLAS_DATA;  // filled by the data scripts through atlasData(), defined in the page's head
  window.atlasOnData = function (name, value) { if (name.indexOf("tile:") === 0) { tileArrived(name.slice(5), value); } };
  var cfg = JSON.parse(document.getElementById("atlas-config").textContent);
  var T = cfg.text;
  var map, cloud, points = null, enabledCluster = {}, enabledStatus = {}, bins = null, tiles = {}, pending = {};
  var zoneLayers = [];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== null && text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  /* ---- points: decode a project_payload into flat arrays with one style per (cluster set, status, exact) ---- */
  var styles = [], styleIndex = {};
  function styleOf(clusters, status, statusLabel, exact, colour, clusterText) {
    var key = clusters.join("|") + "\u0001" + status + "\u0001" + (exact ? 1 : 0);
    if (styleIndex[key] === undefined) {
      styleIndex[key] = styles.length;
      styles.push({clusters: clusters, status: status, statusLabel: statusLabel, exact: exact, colour: colour,
                   clusterText: clusterText, on: true});
    }
    return styleIndex[key];
  }
  function decode(P, base) {
    var n = P.y.length, lat = new Float64Array(n), lng = new Float64Array(n), st = new Int32Array(n), x = 0, i;
    var local = P.keys.map(function (k) {
      return styleOf(P.cid[k[0]], P.sid[k[1]], P.st[k[1]], P.p[k[2]][1], P.c[k[0]][0], P.c[k[0]][1]);
    });
    for (i = 0; i < n; i++) {
      x += P.x[i];
      lat[i] = (P.oy + P.y[i]) / P.s;
      lng[i] = (P.ox + x) / P.s;
      st[i] = local[P.k[i]];
    }
    return {n: n, lat: lat, lng: lng, st: st, ip: P.ip, ids: P.i, base: base || 0, r: P.r, lab: P.lab,
            pc: P.p.map(function (p) { return p[0]; }), kp: P.keys.map(function (k) { return k[2]; }), k: P.k};
  }
  function applyFilter() {
    styles.forEach(function (s) {
      var anyCluster = s.clusters.length ? s.clusters.some(function (c) { return enabledCluster[c]; }) : enabledCluster[""];
      s.on = !!anyCluster && !!enabledStatus[s.status];
    });
    zoneLayers.forEach(function (z) {
      var show = z.clusters.length ? z.clusters.some(function (c) { return enabledCluster[c]; }) : true;
      if (show && !overlays.zones.hasLayer(z.layer)) { overlays.zones.addLayer(z.layer); }
      if (!show && overlays.zones.hasLayer(z.layer)) { overlays.zones.removeLayer(z.layer); }
    });
    map.getContainer().dataset.atlasZones = String(overlays.zones.getLayers().length);
    if (cloud) { cloud.redraw(); }
  }

  /* ---- one canvas for every project point (or bin); redrawn after each pan or zoom ---- */
  var Cloud = L.Layer.extend({
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "atlas-cloud leaflet-zoom-hide");
      m.getPanes().overlayPane.appendChild(this._canvas);
      m.on("moveend zoomend resize", this.redraw, this);
      m.on("click", this._click, this);
      this.redraw();
    },
    onRemove: function (m) {
      L.DomUtil.remove(this._canvas);
      m.off("moveend zoomend resize", this.redraw, this);
      m.off("click", this._click, this);
    },
    redraw: function () {
      if (!this._map) { return; }
      var m = this._map, size = m.getSize(), ratio = window.devicePixelRatio || 1, c = this._canvas;
      var topLeft = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(c, topLeft);
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      var g = c.getContext("2d");
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, size.x, size.y);
      this._hits = [];
      var shown = 0;
      if (points) {
        shown = this._drawSets(g, [points], size);
      } else if (bins && m.getZoom() < bins.tileZoom) {
        shown = this._drawBins(g, size);
      } else if (bins) {
        var sets = visibleTiles().map(function (id) { return tiles[id]; }).filter(Boolean);
        shown = this._drawSets(g, sets, size);
      }
      var container = m.getContainer();
      container.dataset.atlasShown = String(shown);
      container.dataset.atlasMode = points ? "points" : (bins && m.getZoom() < bins.tileZoom ? "bins" : "tiles");
      signalDrawn(m, shown);
    },
    _drawSets: function (g, sets, size) {
      var m = this._map, shown = 0, grid = this._grid = {}, pad = 6;
      var byStyle = styles.map(function () { return []; });
      sets.forEach(function (set, si) {
        for (var i = 0; i < set.n; i++) {
          var s = set.st[i];
          if (!styles[s].on) { continue; }
          var p = m.latLngToContainerPoint([set.lat[i], set.lng[i]]);
          if (p.x < -pad || p.y < -pad || p.x > size.x + pad || p.y > size.y + pad) { continue; }
          byStyle[s].push(p.x, p.y);
          var key = (p.x >> 4) + "," + (p.y >> 4);
          (grid[key] || (grid[key] = [])).push(si, i, p.x, p.y);
          shown++;
        }
      });
      this._sets = sets;
      var r = (sets[0] && sets[0].r) || 4.5;
      styles.forEach(function (st, s) {
        var xy = byStyle[s];
        if (!xy.length) { return; }
        g.beginPath();
        for (var j = 0; j < xy.length; j += 2) { g.moveTo(xy[j] + r, xy[j + 1]); g.arc(xy[j], xy[j + 1], r, 0, 6.2832); }
        g.globalAlpha = st.exact ? 0.9 : 0.2;
        g.fillStyle = st.colour;
        g.fill();
        g.globalAlpha = 0.95;
        g.lineWidth = st.exact ? 0.8 : 1.4;
        g.strokeStyle = st.exact ? "#222" : st.colour;
        g.stroke();
      });
      g.globalAlpha = 1;
      return shown;
    },
    _drawBins: function (g, size) {
      var m = this._map, B = bins, counts = {}, cells = [], max = 0, shown = 0, i;
      var on = B.keyOn;
      for (i = 0; i < B.n.length; i++) {
        if (!on[B.k[i]]) { continue; }
        var key = B.x[i] + "," + B.y[i];
        if (counts[key] === undefined) { counts[key] = cells.length; cells.push([B.x[i], B.y[i], 0]); }
        cells[counts[key]][2] += B.n[i];
      }
      cells.forEach(function (c) { if (c[2] > max) { max = c[2]; } });
      var colours = D.base.binColours, scale = Math.log(max + 1);
      var grid = this._grid = {};
      cells.forEach(function (c) {
        var west = (B.ox + c[0]) * B.deg, south = (B.oy + c[1]) * B.deg;
        var a = m.latLngToContainerPoint([south + B.deg, west]), b = m.latLngToContainerPoint([south, west + B.deg]);
        if (b.x < 0 || b.y < 0 || a.x > size.x || a.y > size.y) { return; }
        var cls = Math.min(colours.length - 1, Math.floor(Math.log(c[2] + 1) / (scale || 1) * colours.length));
        g.globalAlpha = 0.8;
        g.fillStyle = colours[cls];
        g.fillRect(a.x, a.y, Math.max(b.x - a.x, 1), Math.max(b.y - a.y, 1));
        shown += c[2];
        var key = Math.floor((a.x + b.x) / 32) + "," + Math.floor((a.y + b.y) / 32);
        (grid[key] || (grid[key] = [])).push(-1, c[2], (a.x + b.x) / 2, (a.y + b.y) / 2);
      });
      g.globalAlpha = 1;
      return shown;
    },
    _click: function (e) {
      var p = e.containerPoint, best = null, bestD = 81, grid = this._grid || {};
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var cell = grid[((p.x >> 4) + dx) + "," + ((p.y >> 4) + dy)];
          if (!cell) { continue; }
          for (var j = 0; j < cell.length; j += 4) {
            var d = (cell[j + 2] - p.x) * (cell[j + 2] - p.x) + (cell[j + 3] - p.y) * (cell[j + 3] - p.y);
            if (d <= bestD) { bestD = d; best = [cell[j], cell[j + 1]]; }
          }
        }
      }
      if (best && best[0] >= 0) { openProject(this._sets[best[0]], best[1]); }
    }
  });

  /* Names come as templates with their digit runs taken out (atlas.site.mapdata.name_templates). */
  var names = null;
  function fill(template, runs) { var j = 0; return template.replace(/\u0001/g, function () { return runs[j++] || ""; }); }
  function buildNames() {
    var S = D.search;
    if (names || !S || !S.named) { return names; }
    var words = S.w.split("\n"), wp = S.wp.split("\n"), rows = S.r.split("\n");
    var pairs = S.t.split("\n").map(function (l) {
      var halves = l.split("\t"), py = [];
      var text = halves.map(function (h) {
        return h ? h.split(",").map(function (n) { var i = parseInt(n, 36); if (wp[i]) { py.push(wp[i]); } return words[i]; }).join("") : "";
      });
      return [text[0], text[1], py.join(" ")];
    });
    names = {zh: new Array(rows.length), en: new Array(rows.length), key: new Array(rows.length)};
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i].split(";"), p = pairs[parseInt(r[0], 36)], zr = r[1] ? r[1].split(",") : [];
      var er = r.length > 2 ? (r[2] ? r[2].split(",") : []) : zr;
      names.zh[i] = fill(p[0], zr);
      names.en[i] = fill(p[1], er);
      names.key[i] = fold(names.zh[i] + " " + names.en[i] + " " + p[2] + " " + points.ip + points.ids[i]);
    }
    return names;
  }
  function projectName(set, i) {
    if (set === points && buildNames()) {
      return cfg.lang === "zh" ? (names.zh[i] || names.en[i]) : (names.en[i] || names.zh[i]);
    }
    return set.ip + set.ids[i];
  }
  function openProject(set, i) {
    var st = styles[set.st[i]], d = el("div", null, "atlas-card");
    d.appendChild(el("div", projectName(set, i), "atlas-card-title"));
    [[set.lab.id, set.ip + set.ids[i]], [set.lab.cluster_types, st.clusterText], [set.lab.status, st.statusLabel],
     [set.lab.position_precision, set.pc[set.kp[set.k[i]]]]].forEach(function (r) {
      var row = el("div", null, "atlas-card-row");
      row.appendChild(el("b", r[0] + ": "));
      row.appendChild(document.createTextNode(r[1]));
      d.appendChild(row);
    });
    L.popup({maxWidth: 360, maxHeight: 280}).setLatLng([set.lat[i], set.lng[i]]).setContent(d).openOn(map);
  }

  /* ---- tiles of a large registry: loaded as <script> when in view ---- */
  function visibleTiles() {
    var b = map.getBounds(), deg = bins.tileDeg, out = [];
    for (var tx = Math.floor(b.getWest() / deg); tx <= Math.floor(b.getEast() / deg); tx++) {
      for (var ty = Math.floor(b.getSouth() / deg); ty <= Math.floor(b.getNorth() / deg); ty++) {
        var id = tx + "_" + ty;
        if (bins.tileSet[id]) { out.push(id); }
      }
    }
    return out;
  }
  function loadTiles() {
    if (!bins || map.getZoom() < bins.tileZoom) { return; }
    visibleTiles().forEach(function (id) {
      if (tiles[id] || pending[id]) { return; }
      pending[id] = true;
      var s = document.createElement("script");
      s.src = cfg.tiles + id + ".js";
      document.head.appendChild(s);
    });
  }
  function tileArrived(id, P) {
    tiles[id] = decode(P);
    delete pending[id];
    applyFilter();
  }

  /* ---- drawn signal for tests and `make bench` ---- */
  var signalled = false;
  function signalDrawn(m, shown) {
    requestAnimationFrame(function () {
      var c = m.getContainer();
      c.dataset.atlasDraws = String((+c.dataset.atlasDraws || 0) + 1);
      if (!signalled) { signalled = true; window.atlasLastDrawnAt = performance.now(); document.body.dataset.drawn = "1"; afterFirstDraw(); }
    });
  }

  /* ---- base layers ---- */
  var overlays = {};
  function outlines(features, style) {
    return L.geoJSON({type: "FeatureCollection", features: features}, {
      style: style, onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.t, {sticky: true}); }
    });
  }
  function ptMarker(p) {
    return L.circleMarker([p.lat, p.lon], {radius: 6, color: p.exact ? "#222" : p.colour, weight: p.exact ? 1 : 2,
      dashArray: p.exact ? null : "3 2", fillColor: p.colour, fillOpacity: p.exact ? 0.9 : 0.25})
      .bindTooltip(p.tip, {sticky: true}).bindPopup(p.card, {maxWidth: 360, maxHeight: 280});
  }
  function buildBase() {
    var B = D.base;
    overlays.province = outlines(B.province, {color: "#222", weight: 3, fillColor: "#efe9d8", fillOpacity: 0.6});
    overlays.prefectures = outlines(B.prefectures, {color: "#555", weight: 1.8, fillOpacity: 0});
    overlays.counties = outlines(B.counties, {color: "#8a8a8a", weight: 0.7, fillOpacity: 0});
    overlays.deposits = L.layerGroup(B.deposits.map(ptMarker));
    overlays["recycling-bases"] = L.layerGroup(B.bases.map(ptMarker));
    overlays.zones = L.layerGroup();
    B.zones.forEach(function (z) {
      var g = L.layerGroup(), colour = z.colours[0];
      if (z.area) {
        L.geoJSON(z.area, {style: {color: colour, weight: 2.5, dashArray: "8 5", fillOpacity: 0.1}})
          .bindTooltip(z.tip, {sticky: true}).bindPopup(z.card, {maxWidth: 360, maxHeight: 280}).addTo(g);
      }
      if (z.lat !== null) {
        if (!z.exact && !z.area) {
          L.circle([z.lat, z.lon], {radius: z.km * 1000, color: colour, weight: 1.5, dashArray: "6 4",
            fillOpacity: 0.05, interactive: false}).addTo(g);
        }
        L.circleMarker([z.lat, z.lon], {radius: 8, color: "#111", weight: 2, fillColor: colour, fillOpacity: 0.95,
          className: "atlas-zone"}).bindTooltip(z.tip).bindPopup(z.card, {maxWidth: 360, maxHeight: 280}).addTo(g);
      }
      g.zone = z;
      zoneLayers.push({clusters: z.clusters, layer: g, zone: z});
      overlays.zones.addLayer(g);
    });
  }

  /* ---- legend = filter ---- */
  function legend() {
    var box = document.getElementById("atlas-legend");
    var P = D.projects;
    var statuses = [];
    (P.sid || []).forEach(function (s, i) { if (statuses.every(function (x) { return x[0] !== s; })) { statuses.push([s, P.st[i]]); } });
    var order = cfg.status_order || [];  /* life-cycle order, as in the app's legends and charts */
    var rank = function (s) { var i = order.indexOf(s[0]); return i < 0 ? order.length : i; };
    statuses.sort(function (a, b) { return rank(a) - rank(b); });
    box.appendChild(el("h2", T.clusters));
    D.base.clusters.forEach(function (c) {
      enabledCluster[c.id] = true;
      box.appendChild(check("cluster", c.id, c.label, c.colour, function (on) { enabledCluster[c.id] = on; refilter(); }));
    });
    box.appendChild(el("h2", T.statuses));
    statuses.forEach(function (s) {
      enabledStatus[s[0]] = true;
      box.appendChild(check("status", s[0], s[1], null, function (on) { enabledStatus[s[0]] = on; refilter(); }));
    });
    box.appendChild(el("p", T.legend_note, "atlas-note"));
  }
  function check(kind, id, text, colour, change) {
    var lab = el("label", null, "atlas-check"), box = el("input");
    box.type = "checkbox"; box.checked = true; box.dataset.filter = kind; box.value = id;
    box.addEventListener("change", function () { change(box.checked); });
    lab.appendChild(box);
    if (colour) { var sw = el("span", null, "atlas-swatch"); sw.style.background = colour; lab.appendChild(sw); }
    lab.appendChild(document.createTextNode(text));
    return lab;
  }
  function refilter() {
    if (bins) {
      bins.keyOn = bins.keyOnOf();
    }
    applyFilter();
  }

  /* ---- search ---- */
  function afterFirstDraw() {
    if (!D.search) {
      var s = document.createElement("script");
      s.src = cfg.search;
      s.onload = function () { document.body.dataset.searchReady = "1"; runSearch(); };
      document.head.appendChild(s);
    }
  }
  function fold(text) { return String(text).normalize("NFKC").toLowerCase().replace(/['\u2019]/g, "").trim(); }
  function runSearch() {
    var input = document.getElementById("atlas-search"), list = document.getElementById("atlas-results");
    var q = fold(input.value);
    list.textContent = "";
    if (!q || !D.search) { return; }
    var S = D.search, found = [], words = q.split(/\s+/);
    function hit(key) { return words.every(function (w) { return key.indexOf(w) >= 0; }); }
    S.places.forEach(function (p) { if (found.length < 30 && hit(p[4])) { found.push({kind: p[0], id: p[1], zh: p[2], en: p[3], lon: p[5], lat: p[6]}); } });
    if (S.named && points && buildNames()) {
      for (var i = 0; i < names.key.length && found.length < 30; i++) {
        if (hit(names.key[i])) { found.push({kind: "project", index: i}); }
      }
    }
    if (!found.length) { list.appendChild(el("li", T.no_results, "atlas-none")); return; }
    found.forEach(function (f) {
      var li = el("li"), b = el("button");
      b.type = "button";
      if (f.kind === "project") {
        b.textContent = projectName(points, f.index);
        b.appendChild(el("span", " · " + T.project, "atlas-kind"));
      } else {
        b.textContent = cfg.lang === "zh" ? (f.zh || f.en) : (f.en || f.zh);
        b.appendChild(el("span", " · " + T[f.kind], "atlas-kind"));
      }
      b.addEventListener("click", function () { goTo(f); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }
  function goTo(f) {
    if (f.kind === "project") {
      map.setView([points.lat[f.index], points.lng[f.index]], 12, {animate: false});
      openProject(points, f.index);
    } else if (f.kind === "zone") {
      var z = zoneLayers.filter(function (x) { return x.zone.id === f.id; })[0];
      map.setView([f.lat, f.lon], 10, {animate: false});
      if (z) { L.popup({maxWidth: 360, maxHeight: 280}).setLatLng([f.lat, f.lon]).setContent(z.zone.card).openOn(map); }
    } else {
      map.setView([f.lat, f.lon], f.kind === "county" ? 10 : 9, {animate: false});
    }
    document.getElementById("atlas-map").dataset.atlasFocus = f.kind + ":" + (f.id || f.index);
  }

  /* ---- start ---- */
  function start() {
    map = L.map("atlas-map", {preferCanvas: true, zoomSnap: 0.25, zoomControl: true});
    L.control.scale().addTo(map);
    map.fitBounds(D.base.bounds, {padding: [8, 8], animate: false});
    buildBase();
    var P = D.projects = Object.assign({}, D.projects, D.labels);
    if (P.mode === "all") {
      points = decode(P);
    } else {
      bins = P;
      bins.tileSet = {};
      P.tiles.forEach(function (id) { bins.tileSet[id] = true; });
      bins.keyOnOf = function () {
        var on = [];
        for (var key = 0; key < P.cid.length * P.ns; key++) {
          var clusters = P.cid[Math.floor(key / P.ns)], status = P.sid[key % P.ns];
          var c = clusters.length ? clusters.some(function (x) { return enabledCluster[x]; }) : enabledCluster[""];
          on.push(!!c && !!enabledStatus[status]);
        }
        return on;
      };
      map.on("moveend zoomend", loadTiles);
    }
    legend();
    if (bins) { bins.keyOn = bins.keyOnOf(); }
    ["province", "prefectures", "counties", "zones", "deposits", "recycling-bases"].forEach(function (k) { overlays[k].addTo(map); });
    cloud = new Cloud();
    cloud.addTo(map);
    var named = {};
    ["province", "prefectures", "counties", "zones", "deposits", "recycling-bases"].forEach(function (k) { named[D.base.names[k]] = overlays[k]; });
    named[D.base.names.projects] = cloud;
    L.control.layers(null, named, {collapsed: true}).addTo(map);
    applyFilter();
    loadTiles();
    var input = document.getElementById("atlas-search"), timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(runSearch, 150); });
    document.getElementById("atlas-search-form").addEventListener("submit", function (e) {
      e.preventDefault(); runSearch();
      var first = document.querySelector("#atlas-results button");
      if (first) { first.click(); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
