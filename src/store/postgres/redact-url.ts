/** A database URL fit for logs and error messages: the password is never shown. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '********';
    return u.toString();
  } catch {
    return '<unparseable database URL>';
  }
}
