// The live lobby (docs/portal.md): the server sends the waiting list as it changes (server-sent events);
// without JavaScript the page works the same, reloaded by hand.
"use strict";
(function () {
  const list = document.getElementById("lobby-list");
  if (!list || !window.EventSource) {
    return;
  }
  const live = document.getElementById("lobby-live");
  const source = new EventSource(list.dataset.events);
  source.addEventListener("lobby", function (event) {
    const focused = document.activeElement && list.contains(document.activeElement);
    list.innerHTML = event.data;
    if (focused) {
      list.querySelector("button") ? list.querySelector("button").focus() : list.focus();
    }
    list.dataset.updates = String(Number(list.dataset.updates || "0") + 1);
  });
  source.addEventListener("open", function () {
    if (live) {
      live.hidden = false;
    }
  });
  source.addEventListener("error", function () {
    if (live) {
      live.hidden = source.readyState !== EventSource.OPEN;
    }
  });
})();
