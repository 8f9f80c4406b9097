/* Signing out wipes the station phone's offline copy (docs/offline.md): the masked people and
 * visits of the township and the unused form tokens (IndexedDB rh-offline-cache), the service
 * worker's copy of the offline page and its files, and the service worker itself. Loaded on every
 * page: on a page without a signed-in user (the sign-in page, where signing out and an ended
 * session both lead) it wipes at once, and when another user signs in on the phone it wipes the
 * first one's copy. The records waiting to be sent are not wiped (rh-offline-queue, kept per user):
 * they are sent when that worker signs in again.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var user = (script && script.dataset.user) || "";
  var kv = window.idbKeyval;

  function wipe() {
    var work = [];
    if (kv && "indexedDB" in window) {
      work.push(kv.clear(kv.createStore("rh-offline-cache", "data")).catch(function () {}));
    }
    if ("caches" in window) {
      work.push(
        caches.keys().then(function (names) {
          return Promise.all(
            names
              .filter(function (name) {
                return name.indexOf("rh-offline-") === 0;
              })
              .map(function (name) {
                return caches.delete(name);
              }),
          );
        }),
      );
    }
    if ("serviceWorker" in navigator) {
      work.push(
        navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(
            registrations.map(function (registration) {
              return registration.unregister();
            }),
          );
        }),
      );
    }
    return Promise.all(work).catch(function () {});
  }

  if (!user) {
    wipe();
  } else if (kv && "indexedDB" in window) {
    kv.get("copy", kv.createStore("rh-offline-cache", "data")).then(function (copy) {
      if (copy && copy.user !== user) {
        kv.clear(kv.createStore("rh-offline-cache", "data"));
      }
    });
  }

  // The sign-out button wipes first, then signs out; after two seconds it signs out anyway (the
  // sign-in page wipes again), and a second tap meanwhile does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-sign-out]")) {
      return;
    }
    event.preventDefault();
    if (form.dataset.signingOut) {
      return;
    }
    form.dataset.signingOut = "1";
    var waited = new Promise(function (resolve) {
      window.setTimeout(resolve, 2000);
    });
    Promise.race([wipe(), waited]).then(function () {
      form.submit();
    });
  });
})();
