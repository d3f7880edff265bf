// The API client: a bearer token kept in sessionStorage, JSON helpers, one error type.
// Every call is to the same origin that served the viewer; nothing leaves it.

const TOKEN_KEY = "twin.token";
const ROLE_KEY = "twin.role";

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
  sessionStorage.removeItem(ROLE_KEY);
}

/** The signed-in user's role, when known (from sign-in or GET /auth/me). */
export function role() {
  return sessionStorage.getItem(ROLE_KEY);
}

export function rememberRole(value) {
  if (value) sessionStorage.setItem(ROLE_KEY, value);
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
  rememberRole(body.role);
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

/** GET a JSON document, or `null` when the server has no such endpoint/resource (404/405). */
export async function getOptional(path) {
  try {
    return await getJson(path);
  } catch (error) {
    if (error instanceof ApiError && [403, 404, 405, 501].includes(error.status)) return null;
    throw error;
  }
}

/** GET binary content as an ArrayBuffer. */
export async function getBinary(path) {
  const answer = await fetch(path, { headers: headers() });
  if (!answer.ok) throw await failure(answer);
  return answer.arrayBuffer();
}

/** The WebSocket URL of a same-origin path, with the token as a query parameter. */
export function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const sep = path.includes("?") ? "&" : "?";
  return `${scheme}//${location.host}${path}${sep}token=${encodeURIComponent(token() ?? "")}`;
}

let endpointList = null;

/** The server's API paths (from /openapi.json, once), e.g. "/buildings/{building_id}/path". */
export async function endpoints() {
  if (endpointList === null) {
    endpointList = fetch("/openapi.json")
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((doc) => (doc?.paths ? Object.keys(doc.paths) : null))
      .catch(() => null);
  }
  return endpointList;
}

/**
 * The building-level endpoint matching `pattern` (a RegExp on the part after
 * "/buildings/{building_id}"), as a path template, or null when the server has none.
 * When the server publishes no OpenAPI document, optional endpoints are simply tried.
 */
export async function findEndpoint(pattern) {
  const paths = await endpoints();
  if (paths === null) return "unknown";
  const prefix = "/buildings/{building_id}";
  return paths.find((p) => p.startsWith(prefix) && pattern.test(p.slice(prefix.length)))
    ?? null;
}
