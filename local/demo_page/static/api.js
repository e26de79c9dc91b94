// The back end's browser routes, as a front end calls them (README, "Front end").

/** An answer of the back end (or of the storage it presigned) that is not a success. */
export class ApiError extends Error {
  constructor(status, envelope) {
    super(envelope.message);
    this.status = status;
    this.code = envelope.code;
  }
}

/** A request the browser could not make or whose answer it may not read (network, CORS). */
export class UnreachableError extends Error {}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (error) {
    const where = new URL(url, location.href).origin;
    throw new UnreachableError(`the browser could not reach ${where} (${error.message}): network or CORS`);
  }
}

async function answerOf(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const envelope = body && body.error ? body.error : { code: "", message: `HTTP ${response.status}` };
    throw new ApiError(response.status, envelope);
  }
  return body;
}

/** POST /v1/session-token: one per capture, asked as late as possible. */
export async function sessionToken(api) {
  return answerOf(await send(`${api}/v1/session-token`, { method: "POST" }));
}

/** The container as it is: POST /v1/liveness, or, when larger than the direct route takes,
 * a presigned upload and POST /v1/liveness/uploads/{upload_id}/check. Same answer either way. */
export async function sendContainer(api, container, directLimitBytes, onRoute = () => {}) {
  if (container.size <= directLimitBytes) {
    onRoute("direct");
    return answerOf(
      await send(`${api}/v1/liveness`, {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: container,
      }),
    );
  }
  onRoute("upload");
  const upload = await answerOf(await send(`${api}/v1/liveness/uploads`, { method: "POST" }));
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", container); // last: S3 ignores the fields after the file
  const stored = await send(upload.url, { method: "POST", body: form });
  if (!stored.ok) {
    throw new ApiError(stored.status, {
      code: "",
      message: `the upload was refused (HTTP ${stored.status})`,
    });
  }
  const check = `${api}/v1/liveness/uploads/${encodeURIComponent(upload.upload_id)}/check`;
  return answerOf(await send(check, { method: "POST" }));
}

/** Hand the receipt to your own server (here: the stand-in customer server, same origin). */
export async function handToServer(receipt, use) {
  return answerOf(
    await send("/server/receipt", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ receipt, use }),
    }),
  );
}
