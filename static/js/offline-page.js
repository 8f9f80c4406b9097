/* The offline page's forms and waiting list (templates/cases/offline.html, docs/offline.md), on
 * top of static/js/offline.js (window.rhOffline: the queue, the township's copy, sending). The
 * person search uses the phone's masked copy of the township; each need or visit saved here goes
 * into the queue first and is sent when there is a connection; the list shows each record's state
 * and the server's answer, and a refused record can be edited (sent again with its token) or
 * discarded.
 */
(function () {
  "use strict";

  var offline = window.rhOffline;
  var app = document.getElementById("offline-app");
  var textNode = document.getElementById("offline-text");
  if (!offline || !app || !textNode) {
    return;
  }
  var T = JSON.parse(textNode.textContent);
  var config = offline.config;
  var editing = null; // the id of the refused record being edited
  var chosenPerson = null;
  var readQueue = offline.readQueue;
  var changeQueue = offline.changeQueue;
  var changeRecord = offline.changeRecord;
  var takeToken = offline.takeToken;
  var newRecord = offline.newRecord;
  var personLabel = offline.personLabel;
  var today = offline.today;
  var sendNow = offline.sendNow;

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

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
    if (offline.isSignedOut()) {
      lines.push(T.sign_in);
    }
    var copy = offline.copy();
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
      return T[record.code] || T.saved;
    }
    if (record.state === "refused") {
      return T.refused + "：" + (record.answer || T[record.code] || "");
    }
    if (record.state === "sending") {
      return T.sending;
    }
    var why = record.answer || T[record.code];
    return T.waiting + (why ? "（" + why + "）" : "");
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
    ((offline.copy() && offline.copy().visits) || []).forEach(function (visit) {
      if (queued.indexOf(String(visit.id)) === -1) {
        var option = element("option", { value: String(visit.id) }, visit.person + " · " + visit.reference + " · " + visit.village + " · " + visit.due_on);
        select.appendChild(option);
      }
    });
    select.value = chosen;
  }

  var searchedIn = null;
  function render() {
    if (offline.copy() !== searchedIn) {
      searchedIn = offline.copy(); // the copy has just been read or refreshed: search it again
      searchPersons();
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
    var found = ((offline.copy() && offline.copy().persons) || []).filter(function (person) {
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
      ? changeRecord(editing, { fields: record.fields, target: record.target, label: record.label, state: "waiting", code: "", answer: "" })
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
      var person = ((offline.copy() && offline.copy().persons) || []).filter(function (one) {
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

  startPage();
  offline.onChange(render);
  render();
})();
