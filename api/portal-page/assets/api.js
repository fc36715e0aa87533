// The customer portal API with the session's bearer token. 401 means the session is over; 404
// means this server does not offer what was asked (the caller hides that part).

export class SessionExpired extends Error {}

export class ApiProblem extends Error {
  constructor(status, body) {
    const detail = body?.detail;
    super(typeof detail === 'string' ? detail : `The server answered ${status}`);
    this.status = status;
  }
}

export function portalApi(token) {
  async function call(method, path, body) {
    const res = await fetch(`/v1/customer-portal${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) throw new SessionExpired();
    if (res.status === 404) return null;
    if (res.status === 204) return {};
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiProblem(res.status, data);
    return data;
  }

  /** Every item of a list resource (a customer's lists are short; at most 10 pages of 100). */
  async function listAll(path) {
    const items = [];
    for (let page = 1; page <= 10; page += 1) {
      const sep = path.includes('?') ? '&' : '?';
      const data = await call('GET', `${path}${sep}page=${page}&limit=100`);
      if (data === null) return page === 1 ? null : items;
      items.push(...data.items);
      if (page >= (data.pagination?.max_page ?? 1)) break;
    }
    return items;
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    listAll,
  };
}
