// distribution 2.8's htpasswd auth accepts bcrypt entries only. bcryptjs (a devDependency) writes them, so no
// apache2-utils is needed; cost 4 keeps hashing and the registry's per-request check fast.
import bcrypt from 'bcryptjs';

export function htpasswdFile(users: Record<string, string>): string {
  return Object.entries(users)
    .map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}\n`)
    .join('');
}
