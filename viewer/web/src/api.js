// The API client: a bearer token kept in sessionStorage, JSON helpers, one error type.
// Every call is to the same origin that served the viewer; nothing leaves it. A call that
// fails throws an ApiError; callers show `describeFailure(error, capability)` to the user.

const TOKEN_KEY = "twin.token";

/** An API answer that was not 2xx: `status` and the server's error code/message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Exchange username/password for a token (POST /auth/token) and keep it for the session. */
export async function signIn(username, password) {
  const answer = await fetch("/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    throw new ApiError(answer.status, body?.error?.code ?? "error",
      body?.error?.message ?? `sign-in failed (HTTP ${answer.status})`);
  }
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  return body;
}

function headers() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

async function failure(answer) {
  const body = await answer.json().catch(() => ({}));
  return new ApiError(answer.status, body?.error?.code ?? "error",
    body?.error?.message ?? `HTTP ${answer.status} for ${answer.url}`);
}

/** GET a JSON document; throws ApiError on a non-2xx answer. */
export async function getJson(path) {
  const answer = await fetch(path, { headers: headers() });
  if (!answer.ok) throw await failure(answer);
  return answer.json();
}

/** GET binary content as an ArrayBuffer; throws ApiError on a non-2xx answer. */
export async function getBinary(path) {
  const answer = await fetch(path, { headers: headers() });
  if (!answer.ok) throw await failure(answer);
  return answer.arrayBuffer();
}

/**
 * What to tell the user about a failed call: a refusal (403) names the capability the call
 * needs, e.g. "无权限: 需要 housing.read / not allowed"; a 404 says what was not found.
 */
export function describeFailure(error, capability = null) {
  if (!(error instanceof ApiError)) return error?.message ?? String(error);
  if (error.status === 403) {
    return capability ? `无权限: 需要 ${capability} / not allowed`
      : `无权限 / not allowed: ${error.message}`;
  }
  if (error.status === 404) return `未找到 / not found: ${error.message}`;
  return error.message;
}

/** The WebSocket URL of a same-origin path, with the token as a query parameter. */
export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const sep = path.includes("?") ? "&" : "?";
  return `${scheme}//${location.host}${path}${sep}token=${encodeURIComponent(token() ?? "")}`;
}
