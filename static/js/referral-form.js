// The referral form: once a charity is chosen, the resource list shows only that charity's open
// resources (the server refuses another's anyway, naming both). Without a charity, all are listed.
(function () {
  "use strict";
  function limit(organization, resource) {
    for (const option of resource.options) {
      if (!option.value) continue;
      const other = Boolean(organization.value) && option.dataset.organization !== organization.value;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) resource.value = "";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    const organization = document.getElementById("id_to_organization");
    const resource = document.getElementById("id_resource");
    if (!organization || !resource) return;
    organization.addEventListener("change", function () { limit(organization, resource); });
    limit(organization, resource);
  });
})();
