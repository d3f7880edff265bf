// The API client: the bearer token in sessionStorage, every error as an ApiError carrying the
// server's {"error": {"code", "message", "detail"}}.
const TOKEN_KEY = "twin.token";

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
  /** "code: message", how every page shows a refusal. */
  get text() {
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized = () => {};
/** What to do when the server answers 401 (the token expired): sign in again. */
export function handleUnauthorized(callback) {
  onUnauthorized = callback;
}

async function errorOf(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && body.error ? body.error : {};
  return new ApiError(response.status, error.code || `http_${response.status}`,
    error.message || response.statusText, error.detail);
}

/** Call the API: `options.json` is sent as JSON, `options.form` as multipart. */
export async function api(path, options = {}) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let response;
  try {
    response = await fetch(path, { method: options.method || (body ? "POST" : "GET"),
      headers, body });
  } catch (err) {
    throw new ApiError(0, "network", String(err.message || err), null);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && token) onUnauthorized(error);
    throw error;
  }
  if (response.status === 204) return null;
  return response.json();
}

/** The building-scoped path `/buildings/{id}{rest}`. */
export function bpath(buildingId, rest) {
  return `/buildings/${buildingId}${rest}`;
}

/** POST a multipart form with upload progress (`onProgress(percent)`); the JSON answer. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    const token = getToken();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "the upload failed", null));
    xhr.onload = () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const error = body && body.error ? body.error : {};
      reject(new ApiError(xhr.status, error.code || `http_${xhr.status}`,
        error.message || xhr.statusText, error.detail));
    };
    xhr.send(form);
  });
}

/** GET a file with the bearer token and hand it to the browser as a download named by the
 * server's Content-Disposition (or `fallbackName`); resolves to the file's name. */
export async function download(path, fallbackName) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { headers });
  } catch (err) {
    throw new ApiError(0, "network", String(err.message || err), null);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && token) onUnauthorized(error);
    throw error;
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = disposition.match(/filename="?([^";]+)"?/);
  const name = match ? match[1] : fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
