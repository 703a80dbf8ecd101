/** Who is calling, after authentication. Anonymous callers have no Principal. */
export interface Principal {
  /** Stable subject id, e.g. `user:1`. */
  subject: string;
  tenant: string;
  username: string;
  roles: string[];
  via: 'token' | 'password';
}
