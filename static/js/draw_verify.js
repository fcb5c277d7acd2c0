// The public draw page's own verifier: downloads the published files and recomputes the draw
// in this browser with WebCrypto SHA-256, the same steps as inspections/drawing.py:
//   commitment = SHA-256(secret); the population digest = SHA-256(population file);
//   seed = SHA-256("ssj-draw-1|task=..|round=..|population=..|tiers=..|secret=..|entropy=..")
//   (a salted tiered draw: "ssj-draw-2|...|salts=<salts commitment>");
//   without tiers: ticket = SHA-256(seed ":" key), the lowest tickets are drawn.
// A tiered draw's tickets need the auditors' salts: the page checks the commitment, the seed's
// derivation, membership and the count. No library, no CDN: the page's CSP allows 'self' only.
(function () {
  "use strict";
  var box = document.getElementById("browser-verify");
  if (!box) return;
  var button = document.getElementById("verify-button");
  var verdict = document.getElementById("verdict");
  var list = document.getElementById("verdict-problems");
  var messages = JSON.parse(document.getElementById("verify-messages").textContent);
  var d = box.dataset;
  var encoder = new TextEncoder();

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function sha256(data) {
    return crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data).then(hex);
  }

  function download(url, gzipped) {
    return fetch(url, { credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("download");
      if (!gzipped) return response.arrayBuffer();
      var stream = response.body.pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).arrayBuffer();
    });
  }

  // Lines of a published file as drawing.parse_population reads them.
  function lines(text) {
    var out = text.split("\n");
    if (out[out.length - 1] === "") out.pop();
    return out.filter(function (line) { return line !== ""; });
  }

  // The `wanted` keys with the lowest tickets (ties broken by position: the keys are sorted).
  function lowest(seed, keys, wanted) {
    var tickets = new Array(keys.length);
    var batch = 4096;
    function from(start) {
      if (start >= keys.length) return Promise.resolve();
      var jobs = [];
      for (var i = start; i < Math.min(start + batch, keys.length); i++) {
        jobs.push(sha256(seed + ":" + keys[i]).then(function (i, t) { tickets[i] = t; }.bind(null, i)));
      }
      return Promise.all(jobs).then(function () { return from(start + batch); });
    }
    return from(0).then(function () {
      var order = keys.map(function (_k, i) { return i; });
      order.sort(function (a, b) { return tickets[a] < tickets[b] ? -1 : tickets[a] > tickets[b] ? 1 : a - b; });
      return order.slice(0, wanted).map(function (i) { return keys[i]; });
    });
  }

  function show(problems) {
    list.textContent = "";
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "error";
      li.textContent = p;
      list.appendChild(li);
    });
    var ok = problems.length === 0;
    verdict.dataset.verdict = ok ? "ok" : "fail";
    verdict.className = ok ? "badge good" : "badge bad";
    verdict.textContent = ok ? (d.tiered ? verdict.dataset.okPublic : verdict.dataset.ok) : verdict.dataset.fail;
    button.disabled = false;
  }

  function run() {
    var problems = [];
    button.disabled = true;
    verdict.dataset.verdict = "running";
    verdict.className = "";
    verdict.textContent = verdict.dataset.running;
    list.textContent = "";
    var population, keys, drawn, seed;
    Promise.all([download(d.populationUrl, true), download(d.drawnUrl, false)])
      .then(function (files) {
        population = files[0];
        keys = lines(new TextDecoder("utf-8").decode(population));
        drawn = lines(new TextDecoder("utf-8").decode(files[1]));
        return Promise.all([sha256(d.secret), sha256(population)]);
      })
      .then(function (digests) {
        if (digests[0] !== d.commitment) problems.push(messages.commitment);
        if (digests[1] !== d.populationDigest) problems.push(messages.population);
        var material = [
          d.saltsCommitment ? "ssj-draw-2" : "ssj-draw-1",
          "task=" + d.task,
          "round=" + d.round,
          "population=" + digests[1],
          "tiers=" + d.tiersDigest,
          "secret=" + d.secret,
          "entropy=" + d.entropy,
        ];
        if (d.saltsCommitment) material.push("salts=" + d.saltsCommitment);
        return sha256(material.join("|"));
      })
      .then(function (computed) {
        seed = computed;
        if (seed !== d.seed) problems.push(messages.seed);
        var members = new Set(keys);
        var outside = drawn.filter(function (k) { return !members.has(k); });
        if (outside.length) problems.push(messages.outside + " " + outside.slice(0, 5).join(", "));
        if (new Set(drawn).size !== drawn.length) problems.push(messages.duplicate);
        if (drawn.length !== Number(d.drawnCount)) problems.push(messages.count);
        if (d.tiered || problems.length) return null;
        // Without tiers the tiers file is "key<TAB>-" per line: its digest is public too.
        return sha256(keys.map(function (k) { return k + "\t-\n"; }).join("")).then(function (tiers) {
          if (tiers !== d.tiersDigest) {
            problems.push(messages.tiers);
            return null;
          }
          return lowest(seed, keys, Number(d.drawnCount));
        });
      })
      .then(function (expected) {
        if (expected) {
          var a = expected.slice().sort(), b = drawn.slice().sort();
          if (a.length !== b.length || a.some(function (k, i) { return k !== b[i]; })) problems.push(messages.selection);
        }
        show(problems);
      })
      .catch(function () {
        show([messages.download]);
      });
  }

  if (!(window.crypto && crypto.subtle && window.DecompressionStream && window.TextDecoder)) {
    verdict.textContent = verdict.dataset.unsupported;
    button.disabled = true;
    return;
  }
  button.addEventListener("click", run);
})();
