// The installation token reaches git only through the environment of one git process, as an
// http.extraHeader given by GIT_CONFIG_COUNT/KEY/VALUE: never argv, never .git/config (DESIGN §6).
export interface GitAuth {
  token: string;
}

export function basicAuthHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

export function authEnv(auth?: GitAuth): Record<string, string> {
  if (!auth) return {};
  if (!auth.token || /[\r\n]/.test(auth.token))
    throw new Error("git auth: the token is empty or holds a newline");
  return {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: basicAuthHeader(auth.token),
    // No operator credential helper may answer instead of (or leak next to) our header.
    GIT_CONFIG_KEY_1: "credential.helper",
    GIT_CONFIG_VALUE_1: "",
  };
}

/** Values to keep out of any error message. */
export function authSecrets(auth?: GitAuth): string[] {
  return auth ? [auth.token, basicAuthHeader(auth.token)] : [];
}

/** Refuse remote URLs with a password or token in them: those would land in .git/config. */
export function assertNoCredentialsInUrl(remoteUrl: string): void {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(remoteUrl);
  if (m && m[1]!.includes(":")) {
    throw new Error(
      "The remote URL carries credentials (user:password@); pass the token as auth instead so it never reaches .git/config.",
    );
  }
}
