/* The station phone without a signal (docs/offline.md). Loaded on every page of a station social
 * worker (templates/base.html), after vendor/idb-keyval.umd.js.
 *
 * On every page: registers the service worker (/sw.js), asks it to keep the offline page, keeps the
 * township's copy fresh, sends what is waiting when there is a connection, and queues a record of
 * the ordinary need or visit form saved without one. The offline page's forms and waiting list are
 * static/js/offline-page.js, which uses window.rhOffline below.
 *
 * Kept in IndexedDB (idb-keyval):
 *   rh-offline-cache/data  "copy": { user, township, made_at, persons[], visits[] }, "tokens": [form tokens]
 *                          wiped at sign-out (static/js/signout.js);
 *   rh-offline-queue/records  "<username>": [records], kept until each is saved and removed, or
 *                          discarded: a record is never lost by signing out or closing the page.
 * A record: { id, kind: "need"|"visit", target (visit id), fields {}, token, label, state:
 *   "waiting"|"sending"|"saved"|"refused", code (what the page says: saved, saved_before, refused,
 *   not_found, forbidden, retry), answer (the server's reason, if it gave one), url, made_at }.
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
  var app = document.getElementById("offline-app"); // the offline page (static/js/offline-page.js)
  var copy = null; // the township's masked copy, once read
  var listeners = [];

  // The offline page draws the queue again after every change.
  function changed() {
    return Promise.all(
      listeners.map(function (listener) {
        return listener();
      }),
    );
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
          return { state: "saved", url: body.url, code: body.already ? "saved_before" : "saved", answer: "" };
        }
        if (body.result === "refused") {
          return { state: "refused", code: "refused", answer: body.message || "" };
        }
        return { state: "waiting", code: "retry", answer: body.message || "" };
      });
    }
    if (response.status === 404) {
      return Promise.resolve({ state: "refused", code: "not_found", answer: "" });
    }
    if (response.status === 403) {
      return Promise.resolve({ state: "refused", code: "forbidden", answer: "" });
    }
    return Promise.resolve({ state: "waiting", code: "retry", answer: "", stop: true });
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
      return { state: "waiting", code: "retry", answer: "", stop: true };
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
          return changed();
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
              .then(changed)
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
                var fields = { state: answer.state, code: answer.code, answer: answer.answer };
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
        }).then(changed);
      });
    });
  }

  var sending = null;
  var again = false;
  function sendNow() {
    if (sending) {
      again = true; // a record queued while this run is under way: one more run after it
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
      if (again) {
        again = false;
        return sendNow();
      }
      return null;
    });
    return sending;
  }

  function personLabel(person) {
    return person.name + " · " + person.id_number + " · " + person.village;
  }

  function today() {
    var now = new Date();
    var pad = function (n) {
      return String(n).padStart(2, "0");
    };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function newRecord(kind, fields, label, target) {
    return { id: newId(), kind: kind, target: target || null, fields: fields, token: null, label: label, state: "waiting", code: "", answer: "", made_at: new Date().toISOString() };
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

  window.rhOffline = {
    config: config,
    copy: function () {
      return copy;
    },
    isSignedOut: function () {
      return signedOut;
    },
    onChange: function (listener) {
      listeners.push(listener);
    },
    readQueue: readQueue,
    changeQueue: changeQueue,
    changeRecord: changeRecord,
    takeToken: takeToken,
    newRecord: newRecord,
    personLabel: personLabel,
    today: today,
    sendNow: sendNow,
  };
  registerWorker();
  document.addEventListener("submit", onOrdinaryForm);
  window.addEventListener("online", function () {
    changed().then(sendNow);
  });
  window.addEventListener("offline", changed);
  // The copy is fetched again on the offline page, and on any other page once it is half an hour old.
  readCopy()
    .then(function (stored) {
      var old = !stored || Date.now() - new Date(stored.made_at).getTime() > 30 * 60 * 1000;
      return navigator.onLine && (app || old) ? refreshCopy() : null;
    })
    .catch(function () {
      return null;
    })
    .then(changed)
    .then(sendNow);
})();
