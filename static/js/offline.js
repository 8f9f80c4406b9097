/* The station phone without a signal (docs/offline.md). Loaded on every page of a station social
 * worker (templates/base.html), after vendor/idb-keyval.umd.js.
 *
 * On every page: registers the service worker (/sw.js), asks it to keep the offline page, and sends
 * what is waiting when there is a connection. On the offline page (#offline-app) also: the person
 * search from the phone's copy of the township (masked only), the need and visit forms that keep
 * each record in the queue first, and the list of what is waiting, with the server's answer for
 * each record.
 *
 * Kept in IndexedDB (idb-keyval):
 *   rh-offline-cache/data  "copy": { user, township, made_at, persons[], visits[] }, "tokens": [form tokens]
 *                          wiped at sign-out (static/js/signout.js);
 *   rh-offline-queue/records  "<username>": [records], kept until each is saved and removed, or
 *                          discarded: a record is never lost by signing out or closing the page.
 * A record: { id, kind: "need"|"visit", target (visit id), fields {}, token, label, state:
 *   "waiting"|"sending"|"saved"|"refused", answer, url, made_at }.
 * Each record carries its own form token (core/form_tokens.py): sent twice (the answer was lost on
 * the way back), it is saved once, and the second answer says "saved" with the first record's page.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var kv = window.idbKeyval;
  if (!script || !kv || !("indexedDB" in window)) {
    return;
  }
  var config = script.dataset;
  var cacheStore = kv.createStore("rh-offline-cache", "data");
  var queueStore = kv.createStore("rh-offline-queue", "records");
  var app = document.getElementById("offline-app");
  var textNode = document.getElementById("offline-text");
  var T = textNode ? JSON.parse(textNode.textContent) : {};
  var copy = null; // the township's masked copy, once read
  var editing = null; // the id of the refused record being edited
  var chosenPerson = null;

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  // --- the queue ------------------------------------------------------------------------
  function readQueue() {
    return kv.get(config.user, queueStore).then(function (records) {
      return records || [];
    });
  }

  function changeQueue(change) {
    return kv.update(
      config.user,
      function (records) {
        return change((records || []).slice());
      },
      queueStore,
    );
  }

  function changeRecord(id, fields) {
    return changeQueue(function (records) {
      return records.map(function (record) {
        return record.id === id ? Object.assign({}, record, fields) : record;
      });
    });
  }

  function takeToken() {
    var token = null;
    return kv
      .update(
        "tokens",
        function (tokens) {
          tokens = (tokens || []).slice();
          token = tokens.shift() || null;
          return tokens;
        },
        cacheStore,
      )
      .then(function () {
        return token;
      });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // --- the township's copy ----------------------------------------------------------------
  function refreshCopy() {
    return fetch(config.cache, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" }).then(
      function (response) {
        if (response.status === 401 || response.redirected) {
          return kv.clear(cacheStore).then(function () {
            copy = null;
            return { signedOut: true };
          });
        }
        if (!response.ok) {
          return null;
        }
        return response.json().then(function (data) {
          copy = { user: data.user, township: data.township, made_at: data.made_at, persons: data.persons, visits: data.visits };
          return kv
            .setMany(
              [
                ["copy", copy],
                ["tokens", data.form_tokens],
              ],
              cacheStore,
            )
            .then(function () {
              return data;
            });
        });
      },
    );
  }

  function readCopy() {
    return kv.get("copy", cacheStore).then(function (stored) {
      copy = stored && stored.user === config.user ? stored : null;
      return copy;
    });
  }

  // --- sending ------------------------------------------------------------------------------
  var signedOut = false;

  function answerOf(response) {
    var path = new URL(response.url, window.location.href).pathname;
    if (response.redirected && path.indexOf(config.login) === 0) {
      return Promise.resolve({ stop: true, signedOut: true });
    }
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    if (json) {
      return response.json().then(function (body) {
        if (body.result === "saved") {
          return { state: "saved", url: body.url, answer: body.already ? T.saved_before : T.saved };
        }
        if (body.result === "refused") {
          return { state: "refused", answer: body.message || T.refused };
        }
        return { state: "waiting", answer: body.message || T.retry };
      });
    }
    if (response.status === 404) {
      return Promise.resolve({ state: "refused", answer: T.not_found });
    }
    if (response.status === 403) {
      return Promise.resolve({ state: "refused", answer: T.forbidden });
    }
    return Promise.resolve({ state: "waiting", answer: T.retry, stop: true });
  }

  function sendOne(record, csrf) {
    var url = record.kind === "need" ? config.need : config.visit.replace(/\/0\/$/, "/" + record.target + "/");
    var body = new URLSearchParams(record.fields);
    body.set("form_token", record.token || "");
    body.set("csrfmiddlewaretoken", csrf);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Offline-Sync": "1", "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(answerOf, function () {
      return { state: "waiting", answer: T.retry, stop: true };
    });
  }

  function sendWaiting() {
    return readQueue().then(function (records) {
      var waiting = records.filter(function (record) {
        return record.state === "waiting" || record.state === "sending";
      });
      if (!waiting.length || !navigator.onLine) {
        return null;
      }
      return refreshCopy().then(function (data) {
        if (!data || data.signedOut) {
          signedOut = Boolean(data && data.signedOut);
          return render();
        }
        signedOut = false;
        var csrf = data.csrf_token;
        var chain = Promise.resolve(false);
        waiting.forEach(function (record) {
          chain = chain.then(function (stopped) {
            if (stopped) {
              return true;
            }
            // A record made when the phone had no token left gets one now, kept before it is sent.
            var ready = record.token ? Promise.resolve(record.token) : takeToken();
            return ready
              .then(function (token) {
                record.token = token;
                return changeRecord(record.id, { token: token, state: "sending" });
              })
              .then(render)
              .then(function () {
                return sendOne(record, csrf);
              })
              .then(function (answer) {
                if (answer.signedOut) {
                  signedOut = true;
                  return changeRecord(record.id, { state: "waiting" }).then(function () {
                    return true;
                  });
                }
                var fields = { state: answer.state, answer: answer.answer };
                if (answer.url) {
                  fields.url = answer.url;
                }
                return changeRecord(record.id, fields).then(function () {
                  return Boolean(answer.stop);
                });
              });
          });
        });
        return chain.then(function () {
          return refreshCopy();
        }).then(render);
      });
    });
  }

  var sending = null;
  function sendNow() {
    if (sending) {
      return sending;
    }
    var run = function () {
      return sendWaiting().catch(function () {
        return null;
      });
    };
    // One tab sends at a time (the form tokens would stop a second save anyway).
    sending = (navigator.locks ? navigator.locks.request("rh-offline-send", run) : run()).then(function () {
      sending = null;
    });
    return sending;
  }

  // --- the offline page ---------------------------------------------------------------------
  function $(id) {
    return document.getElementById(id);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function renderStatus() {
    var status = $("offline-status");
    var lines = [navigator.onLine ? T.online : T.offline];
    if (window.location.pathname !== config.offline) {
      lines.unshift(T.offline_here);
    }
    if (signedOut) {
      lines.push(T.sign_in);
    }
    if (copy) {
      var time = new Date(copy.made_at);
      lines.push(
        format(T.cached, {
          township: copy.township,
          persons: copy.persons.length,
          visits: copy.visits.length,
          time: time.toLocaleString("zh-CN", { hour12: false }),
        }),
      );
    } else {
      lines.push(T.no_cache);
    }
    status.textContent = lines.join(" ");
    status.classList.toggle("offline-status--off", !navigator.onLine);
    status.dataset.ready = copy ? "1" : "0";
  }

  function stateText(record) {
    if (record.state === "saved") {
      return record.answer || T.saved;
    }
    if (record.state === "refused") {
      return T.refused + "：" + (record.answer || "");
    }
    if (record.state === "sending") {
      return T.sending;
    }
    return T.waiting + (record.answer ? "（" + record.answer + "）" : "");
  }

  function renderQueue(records) {
    var list = $("queue-list");
    list.textContent = "";
    records.forEach(function (record) {
      var item = element("li", { "data-state": record.state });
      item.appendChild(element("div", {}, (record.kind === "need" ? T.need : T.visit) + " · " + record.label));
      item.appendChild(element("div", { class: "queue__state queue__state--" + record.state }, stateText(record)));
      var actions = element("div", { class: "queue__actions" });
      if (record.state === "saved" && record.url) {
        actions.appendChild(element("a", { href: record.url }, T.open));
      }
      if (record.state === "refused") {
        var edit = element("button", { type: "button", class: "button" }, T.edit);
        edit.addEventListener("click", function () {
          startEdit(record);
        });
        actions.appendChild(edit);
      }
      if (record.state === "refused" || record.state === "waiting") {
        var discard = element("button", { type: "button", class: "button" }, T.discard);
        discard.addEventListener("click", function () {
          changeQueue(function (all) {
            return all.filter(function (other) {
              return other.id !== record.id;
            });
          }).then(render);
        });
        actions.appendChild(discard);
      }
      if (actions.childNodes.length) {
        item.appendChild(actions);
      }
      list.appendChild(item);
    });
    var open = records.filter(function (record) {
      return record.state !== "saved";
    }).length;
    $("queue-count").textContent = String(open);
    $("queue-empty").hidden = records.length > 0;
  }

  function renderVisits(records) {
    var select = $("visit-choice");
    var chosen = select.value || visitFromAddress();
    var queued = records
      .filter(function (record) {
        return record.kind === "visit" && record.id !== editing && record.state !== "refused";
      })
      .map(function (record) {
        return String(record.target);
      });
    while (select.options.length > 1) {
      select.remove(1);
    }
    ((copy && copy.visits) || []).forEach(function (visit) {
      if (queued.indexOf(String(visit.id)) === -1) {
        var option = element("option", { value: String(visit.id) }, visit.person + " · " + visit.reference + " · " + visit.village + " · " + visit.due_on);
        select.appendChild(option);
      }
    });
    select.value = chosen;
  }

  function render() {
    if (!app) {
      return Promise.resolve();
    }
    return readQueue().then(function (records) {
      renderStatus();
      renderQueue(records);
      renderVisits(records);
    });
  }

  function visitFromAddress() {
    var match = /\/follow-ups\/(\d+)\/$/.exec(window.location.pathname);
    return match ? match[1] : "";
  }

  // The person search: the masked name keeps its first and last characters (王*英), so 王秀英
  // finds it; the last digits of the ID number and the village find people too.
  function matches(person, query) {
    if (!query) {
      return false;
    }
    var name = person.name;
    if (query.length === name.length && name.length > 1) {
      var fits = true;
      for (var i = 0; i < name.length; i += 1) {
        if (name[i] !== "*" && name[i] !== query[i]) {
          fits = false;
        }
      }
      if (fits) {
        return true;
      }
    }
    var visible = name.replace(/\*/g, "");
    if (/^\d{3,}[\dXx]?$/.test(query)) {
      return person.id_number.slice(-4).toUpperCase().indexOf(query.slice(-4).toUpperCase()) !== -1;
    }
    return visible.indexOf(query) === 0 || person.village.indexOf(query) !== -1;
  }

  function personLabel(person) {
    return person.name + " · " + person.id_number + " · " + person.village;
  }

  function choosePerson(person) {
    chosenPerson = person;
    $("need-person").value = person ? String(person.id) : "";
    var chosen = $("need-person-chosen");
    chosen.hidden = !person;
    chosen.textContent = person ? personLabel(person) : "";
    $("need-person-choices").textContent = "";
    if (person) {
      $("need-person-search").value = "";
    }
  }

  function searchPersons() {
    var query = $("need-person-search").value.trim();
    var list = $("need-person-choices");
    list.textContent = "";
    if (!query) {
      return;
    }
    var found = ((copy && copy.persons) || []).filter(function (person) {
      return matches(person, query);
    });
    if (!found.length) {
      list.appendChild(element("li", { class: "muted" }, T.no_match));
    }
    found.slice(0, 20).forEach(function (person) {
      var item = element("li");
      var button = element("button", { type: "button", class: "button" }, personLabel(person));
      button.addEventListener("click", function () {
        choosePerson(person);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // The form's fields without their prefix ("need-category" → "category"), as the ordinary form posts them.
  function fieldsOf(form, prefix) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf(prefix + "-") === 0) {
        fields[name.slice(prefix.length + 1)] = String(value);
      }
    });
    return fields;
  }

  function checkedLabel(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    var label = input && input.closest("label");
    return label ? label.textContent.trim() : "";
  }

  function showError(id, message) {
    var node = $(id);
    node.hidden = !message;
    node.textContent = message || "";
  }

  function keep(record) {
    var saved = editing
      ? changeRecord(editing, { fields: record.fields, target: record.target, label: record.label, state: "waiting", answer: "" })
      : takeToken().then(function (token) {
          record.token = token;
          return changeQueue(function (records) {
            records.push(record);
            return records;
          });
        });
    editing = null;
    return saved.then(render).then(function () {
      $("offline-status").textContent = format(T.kept, { label: record.label });
      return sendNow();
    });
  }

  function newRecord(kind, fields, label, target) {
    return { id: newId(), kind: kind, target: target || null, fields: fields, token: null, label: label, state: "waiting", answer: "", made_at: new Date().toISOString() };
  }

  function onNeed(event) {
    event.preventDefault();
    var form = event.target;
    var fields = fieldsOf(form, "need");
    fields.person = $("need-person").value;
    if (!fields.person) {
      showError("need-form-error", T.choose_person);
      return;
    }
    if (!fields.category || !(fields.description || "").trim()) {
      showError("need-form-error", T.required);
      return;
    }
    showError("need-form-error", "");
    var label = (chosenPerson ? chosenPerson.name + " " + chosenPerson.id_number : "") + " · " + checkedLabel(form, "need-category") + " · " + checkedLabel(form, "need-urgency");
    var record = newRecord("need", fields, label);
    form.reset(); // at once: the worker may start the next record before the queue has answered
    choosePerson(null);
    keep(record);
  }

  function today() {
    var now = new Date();
    var pad = function (n) {
      return String(n).padStart(2, "0");
    };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function onVisit(event) {
    event.preventDefault();
    var form = event.target;
    var select = $("visit-choice");
    var fields = fieldsOf(form, "visit");
    if (!select.value) {
      showError("visit-form-error", T.choose_visit);
      return;
    }
    if (!fields.satisfaction || !fields.need_met) {
      showError("visit-form-error", T.required);
      return;
    }
    showError("visit-form-error", "");
    // The day of the visit is the day it was recorded here, not the day it reaches the server.
    fields.visited_on = fields.visited_on || today();
    var label = select.options[select.selectedIndex].textContent;
    var record = newRecord("visit", fields, label, select.value);
    form.reset();
    keep(record);
  }

  function startEdit(record) {
    editing = record.id;
    var prefix = record.kind;
    var form = $(prefix + "-form");
    form.reset();
    Object.keys(record.fields).forEach(function (name) {
      var inputs = form.querySelectorAll('[name="' + prefix + "-" + name + '"]');
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type === "radio") {
          input.checked = input.value === record.fields[name];
        } else if (input.type === "checkbox") {
          input.checked = record.fields[name] === "on" || record.fields[name] === "true";
        } else {
          input.value = record.fields[name];
        }
      });
    });
    if (record.kind === "need") {
      var person = ((copy && copy.persons) || []).filter(function (one) {
        return String(one.id) === String(record.fields.person);
      })[0];
      choosePerson(person || { id: record.fields.person, name: record.label.split(" · ")[0], id_number: "", village: "" });
    } else {
      render().then(function () {
        $("visit-choice").value = String(record.target);
      });
    }
    form.scrollIntoView();
  }

  function startPage() {
    if (!app) {
      return;
    }
    $("need-person-search").addEventListener("input", searchPersons);
    $("need-form").addEventListener("submit", onNeed);
    $("visit-form").addEventListener("submit", onVisit);
    $("queue-send").addEventListener("click", sendNow);
    $("queue-clear").addEventListener("click", function () {
      changeQueue(function (records) {
        return records.filter(function (record) {
          return record.state !== "saved";
        });
      }).then(render);
    });
    if (/\/follow-ups\/\d+\/$/.test(window.location.pathname)) {
      $("visit").scrollIntoView();
    }
  }

  // --- the ordinary forms, submitted without a connection -------------------------------------
  // The need form and the visit form, opened while there was a connection, keep their record in the
  // queue (with the page's own form token) when the connection is gone at the moment of saving, and
  // open the offline page, where it waits. The label is the masked one, from the township's copy.
  function onOrdinaryForm(event) {
    var form = event.target;
    var kind = form.dataset && form.dataset.offlineKind;
    if (!kind || navigator.onLine) {
      return;
    }
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (["csrfmiddlewaretoken", "q", "_search", "form_token"].indexOf(name) === -1) {
        fields[name] = String(value);
      }
    });
    if (kind === "need" && !fields.person) {
      return; // nobody chosen yet: the offline page's search finds the person
    }
    event.preventDefault();
    var token = (form.querySelector('[name="form_token"]') || {}).value || null;
    var target = kind === "visit" ? form.dataset.offlineTarget : null;
    var known = (copy && (kind === "need" ? copy.persons : copy.visits)) || [];
    var id = kind === "need" ? fields.person : target;
    var entry = known.filter(function (one) {
      return String(one.id) === String(id);
    })[0];
    var label = entry ? (kind === "need" ? personLabel(entry) : entry.person + " · " + entry.reference) : "#" + id;
    if (kind === "visit") {
      fields.visited_on = fields.visited_on || today();
    }
    var record = newRecord(kind, fields, label, target);
    record.token = token;
    changeQueue(function (records) {
      records.push(record);
      return records;
    }).then(function () {
      window.location.assign(config.offline);
    });
  }

  // --- start ----------------------------------------------------------------------------------
  function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker
      .register(config.sw, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        if (navigator.onLine && registration.active) {
          registration.active.postMessage({ type: "keep-offline-copy", force: Boolean(app) });
        }
      })
      .catch(function () {
        return null;
      });
  }

  startPage();
  registerWorker();
  document.addEventListener("submit", onOrdinaryForm);
  window.addEventListener("online", function () {
    render().then(sendNow);
  });
  window.addEventListener("offline", render);
  // The copy is fetched again on the offline page, and on any other page once it is half an hour old.
  readCopy()
    .then(function (stored) {
      var old = !stored || Date.now() - new Date(stored.made_at).getTime() > 30 * 60 * 1000;
      return navigator.onLine && (app || old) ? refreshCopy() : null;
    })
    .catch(function () {
      return null;
    })
    .then(render)
    .then(sendNow);
})();
