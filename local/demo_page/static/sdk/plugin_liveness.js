/*
 * Oz Web SDK stand-in: the capture-mode interface of the real Web SDK's plugin, without a camera.
 *
 * Like the real SDK configured for OzCapsula in capture mode (architecture "capture",
 * api_use_session_token "client"), OzLiveness.open({session_token, ...}) "captures" and then
 * calls on_capture_complete(result, container), the container being a Blob of type
 * application/octet-stream that the page forwards to its back end as it is; failures go to
 * on_error({code, event_session_id, message, context}). The container comes from the demo page's
 * server, minted by the Oz emulator for the session token and for the scenario set with
 * OzLivenessStandIn.setScenario(name): the stand-in's only addition, standing for whoever is in
 * front of the camera. Never load this on a real page.
 */
(function () {
  "use strict";

  var SCENARIOS = ["live", "spoof", "failed", "damaged", "large"];
  var scenario = "live";
  var overlay = null;
  var inFlight = null;

  function fail(options, code, message) {
    if (options && typeof options.on_error === "function") {
      options.on_error({ code: code, event_session_id: null, message: message, context: {} });
    }
  }

  function showOverlay() {
    overlay = document.createElement("div");
    overlay.className = "oz-stand-in";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-label", "Oz Web SDK stand-in");
    var box = document.createElement("div");
    box.textContent = "Oz Web SDK stand-in: capturing (" + scenario + ")…";
    overlay.appendChild(box);
    document.body.appendChild(overlay);
  }

  function close() {
    if (inFlight) {
      inFlight.abort();
      inFlight = null;
    }
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  function open(options) {
    if (!options || typeof options.session_token !== "string" || !options.session_token) {
      fail(options, "SESSION_TOKEN_REQUIRED", "open() needs the session_token of this capture");
      return;
    }
    if (inFlight) {
      fail(options, "ALREADY_OPEN", "the plugin is already capturing");
      return;
    }
    var controller = new AbortController();
    inFlight = controller;
    showOverlay();
    fetch("/sdk/capture", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_token: options.session_token, scenario: scenario }),
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the capture failed (HTTP " + response.status + ")");
        }
        var eventSessionId = response.headers.get("X-Event-Session-Id");
        return response.arrayBuffer().then(function (bytes) {
          return { bytes: bytes, eventSessionId: eventSessionId };
        });
      })
      .then(function (captured) {
        if (controller.signal.aborted) return;
        close();
        var container = new Blob([captured.bytes], { type: "application/octet-stream" });
        var result = {
          state: "captured",
          event_session_id: captured.eventSessionId,
          action: options.action || ["video_selfie_blank"],
        };
        if (typeof options.on_capture_complete === "function") {
          options.on_capture_complete(result, container);
        }
      })
      .catch(function (error) {
        if (controller.signal.aborted) return;
        close();
        fail(options, "CAPTURE_FAILED", String(error && error.message ? error.message : error));
      });
  }

  window.OzLiveness = { open: open, close: close, hide: close };
  window.OzLivenessStandIn = {
    scenarios: SCENARIOS.slice(),
    setScenario: function (name) {
      if (SCENARIOS.indexOf(name) < 0) {
        throw new Error("scenario must be one of " + SCENARIOS.join(", "));
      }
      scenario = name;
    },
  };
})();
