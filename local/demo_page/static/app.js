// The flow a real front end follows, step by step (README, "Front end").
import { ApiError, handToServer, sendContainer, sessionToken } from "./api.js";
import { Steps } from "./steps.js";

const $ = (id) => document.getElementById(id);
const flow = document.querySelector("main");
const steps = new Steps($("steps"), $("no-steps"));
const TONE = {
  ACCEPT: "good", MATCH: "good", REDEEMED: "good",
  REJECT: "bad", NO_MATCH: "bad", INCONCLUSIVE: "warn",
};
const USE_TITLE = {
  redeem: "redeem (POST /v1/receipts/redeem, SigV4)",
  "match-same": "face match with the user's photo (POST /v1/biometry, SigV4)",
  "match-other": "face match with someone else's photo (POST /v1/biometry, SigV4)",
};

const config = await (await fetch("/config.json")).json();
const api = config.api_url;
$("api-url").textContent = api;
let receipt = null;

function show(id, value) {
  const output = $(id);
  output.textContent = value || "";
  output.className = `badge ${TONE[value] || ""}`.trim();
}

function showError(error) {
  $("error").hidden = false;
  // The code is the back end's envelope's; a browser-side failure (network, CORS) has none.
  const code = error instanceof ApiError ? error.code : "";
  $("error-code").textContent = code;
  $("error-code").className = code ? "badge bad" : "badge";
  $("error-message").textContent = error.message;
}

function begin() {
  flow.dataset.state = "running";
  $("start").disabled = true;
  $("reuse").disabled = true;
  $("error").hidden = true;
  $("error-code").textContent = "";
  $("error-message").textContent = "";
}

function end() {
  flow.dataset.state = "done";
  $("start").disabled = false;
  $("reuse").disabled = receipt === null;
}

/** The Web SDK in capture mode: the container arrives in on_capture_complete, as a Blob. */
function capture(session_token) {
  return new Promise((resolve, reject) => {
    OzLiveness.open({
      session_token,
      lang: "en",
      action: ["video_selfie_blank"],
      on_capture_complete: (result, container) => resolve(container),
      on_error: (error) => reject(new Error(`${error.code}: ${error.message}`)),
    });
  });
}

const size = (bytes) => bytes >= 1048576
  ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;

async function useReceipt(title) {
  const use = $("server-use").value;
  const answer = await steps.run(title, USE_TITLE[use], () => handToServer(receipt, use));
  show("server-result", answer.result);
}

async function start() {
  begin();
  steps.clear();
  receipt = null;
  show("decision", "");
  show("server-result", "");
  OzLivenessStandIn.setScenario($("scenario").value);
  try {
    const { session_token } = await steps.run(
      "Session token", "POST /v1/session-token", () => sessionToken(api));
    const container = await steps.run(
      "Capture", "OzLiveness.open({session_token}) (stand-in)", async (note) => {
        const blob = await capture(session_token);
        note(`${size(blob.size)}, ${blob.type}`);
        return blob;
      });
    const answer = await steps.run("Liveness", size(container.size), (note) =>
      sendContainer(api, container, config.direct_limit_bytes, (route) => note(route === "direct"
        ? "POST /v1/liveness"
        : "POST /v1/liveness/uploads, the presigned upload, POST …/check")));
    show("decision", answer.decision);
    if (!answer.receipt) {
      steps.skipped("Your server", `no receipt: ${answer.decision} issues none`);
      return;
    }
    receipt = answer.receipt;
    await useReceipt("Your server");
  } catch (error) {
    showError(error);
  } finally {
    end();
  }
}

async function useAgain() {
  begin();
  show("server-result", "");
  try {
    await useReceipt("Your server, the same receipt again");
  } catch (error) {
    showError(error);
  } finally {
    end();
  }
}

$("start").addEventListener("click", start);
$("reuse").addEventListener("click", useAgain);
flow.dataset.state = "ready";
