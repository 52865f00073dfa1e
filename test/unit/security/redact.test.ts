import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createRedactor, redactDeep, REDACTED, secretsFromEnv } from "../../../src/security/redact.js";

const r = createRedactor();
const ghToken = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

describe("createRedactor: well-known shapes", () => {
  const cases: Array<[string, string, string]> = [
    ["classic GitHub PAT", `token is ${ghToken} ok`, `token is ${REDACTED} ok`],
    ["GitHub app installation token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", REDACTED],
    [
      "GitHub OAuth / user / refresh",
      "gho_abcdefghijklmnopqrstuvwxyz0123 ghu_abcdefghijklmnopqrstuvwxyz0123 ghr_abcdefghijklmnopqrstuvwxyz0123",
      `${REDACTED} ${REDACTED} ${REDACTED}`,
    ],
    [
      "fine-grained PAT",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
      REDACTED,
    ],
    [
      "x-access-token in a URL",
      "fatal: unable to access 'https://x-access-token:v1.abcdef0123456789@github.com/o/r.git/'",
      `fatal: unable to access 'https://x-access-token:${REDACTED}@github.com/o/r.git/'`,
    ],
    [
      "x-access-token value",
      "password x-access-token:someOpaqueValue123",
      `password x-access-token:${REDACTED}`,
    ],
    [
      "user:password in a URL",
      "https://bob:hunter2secret@example.com/x",
      `https://bob:${REDACTED}@example.com/x`,
    ],
    ["Authorization Bearer", "Authorization: Bearer abc.def.ghi", `Authorization: Bearer ${REDACTED}`],
    ["Authorization token", "authorization: token 0123456789abcdef", `authorization: token ${REDACTED}`],
    [
      "Authorization Basic",
      "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Zm9v",
      `Authorization: Basic ${REDACTED}`,
    ],
    [
      "Anthropic key",
      "ANTHROPIC said sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012345-_x end",
      `ANTHROPIC said ${REDACTED} end`,
    ],
    ["OpenAI key", "use sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 now", `use ${REDACTED} now`],
    ["OpenAI project key", "sk-proj-AbCdEfGhIjKlMnOpQrSt_UvWxYz-0123456789", REDACTED],
    ["AWS access key id", "aws AKIAIOSFODNN7EXAMPLE here", `aws ${REDACTED} here`],
    ["Google API key", "key AIzaSyA-1234567890abcdefghijklmnopqrstu!", `key ${REDACTED}!`],
    ["Slack token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", REDACTED],
    ["env assignment", "export GITHUB_TOKEN=abc123def456 && run", `export GITHUB_TOKEN=${REDACTED} && run`],
    ["query string", "GET /cb?access_token=abcdef123456&x=1", `GET /cb?access_token=${REDACTED}&x=1`],
    ["JSON pair", '{"api_key": "s3cr3t-value", "name": "x"}', `{"api_key": "${REDACTED}", "name": "x"}`],
    ["escaped JSON pair", '{\\"password\\": \\"hunter2\\"}', `{\\"password\\": \\"${REDACTED}\\"}`],
    ["YAML pair", "db:\n  password: hunter2!\n", `db:\n  password: ${REDACTED}\n`],
  ];
  for (const [name, input, expected] of cases) {
    it(`redacts ${name}`, () => {
      expect(r(input)).toBe(expected);
    });
  }

  it("redacts a whole PEM private key block, also a truncated one", () => {
    const pem = [
      "-----BEGIN RSA PRIVATE KEY-----",
      "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
      "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
      "-----END RSA PRIVATE KEY-----",
    ].join("\n");
    expect(r(`before\n${pem}\nafter`)).toBe(`before\n${REDACTED}\nafter`);
    expect(r("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC")).toBe(REDACTED);
    expect(
      r("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"),
    ).toBe(REDACTED);
  });
});

describe("createRedactor: known secrets", () => {
  it("replaces each known secret wherever it appears, and its x-access-token Basic form", () => {
    const red = createRedactor(["opaque-value-42", "another!secret"]);
    expect(red("a opaque-value-42 b another!secret c opaque-value-42")).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
    const basic = Buffer.from("x-access-token:opaque-value-42").toString("base64");
    expect(red(`header ${basic}`)).toBe(`header ${REDACTED}`);
  });

  it("ignores known secrets shorter than 6 characters (they would eat ordinary words)", () => {
    const red = createRedactor(["the", "abcde"]);
    expect(red("the abcde")).toBe("the abcde");
  });

  it("prefers the longest secret when one contains another", () => {
    const red = createRedactor(["secret1", "secret1-and-more"]);
    expect(red("x secret1-and-more y")).toBe(`x ${REDACTED} y`);
  });
});

describe("createRedactor: no false positives", () => {
  const untouched = [
    "commit 3f786850e387550fdab836ed7e6dc881de23001b on main",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "inputTokens: 1234, outputTokens: 56, max_tokens=4096, tokens=12",
    "The token: it expires after an hour.",
    "Please review the password reset flow and the secret santa list.",
    "task-management-system-with-many-words and risk-assessment-framework-document",
    "Bearer of bad news",
    "https://github.com/octo/repo/pull/12",
    "AKIA is a prefix; AIza too.",
    "Authorization required",
  ];
  for (const text of untouched) {
    it(`leaves alone: ${text.slice(0, 40)}`, () => {
      expect(r(text)).toBe(text);
    });
  }
});

describe("createRedactor: properties", () => {
  it("is idempotent", () => {
    const red = createRedactor(["planted-secret-1"]);
    const samples = [
      `https://x-access-token:${ghToken}@github.com/o/r`,
      "Authorization: Bearer abc.def.ghi",
      'GITHUB_TOKEN=abc123def456 {"password": "x1"} planted-secret-1',
      "-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----",
      "db:\n  password: hunter2!\n",
    ];
    for (const s of samples) {
      const once = red(s);
      expect(once).not.toBe(s);
      expect(red(once)).toBe(once);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const once = red(s);
        expect(red(once)).toBe(once);
      }),
    );
  });

  it("never lets a planted token through whatever surrounds it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.string({ maxLength: 50 }), (a, b) => {
        expect(createRedactor(["planted-secret-1"])(a + "planted-secret-1" + b)).not.toContain(
          "planted-secret-1",
        );
        expect(r(`${a} ${ghToken} ${b}`)).not.toContain(ghToken);
      }),
    );
  });
});

describe("redactDeep", () => {
  it("redacts strings at any depth and hides string values under secret-looking keys", () => {
    const input = {
      type: "agent.tool",
      input: { command: `curl -H "Authorization: Bearer ${ghToken}"`, env: { API_KEY: "short" } },
      list: ["ok", ghToken, 3, null],
      tokens: { input: 10, output: 2 },
      password: "p",
    };
    const out = redactDeep(input, r);
    expect(out.input.command).toBe(`curl -H "Authorization: Bearer ${REDACTED}"`);
    expect(out.input.env.API_KEY).toBe(REDACTED);
    expect(out.list).toEqual(["ok", REDACTED, 3, null]);
    expect(out.tokens).toEqual({ input: 10, output: 2 });
    expect(out.password).toBe(REDACTED);
    expect(out.type).toBe("agent.tool");
    // the input is not mutated
    expect(input.list[1]).toBe(ghToken);
  });

  it("copes with cycles", () => {
    const a: Record<string, unknown> = { s: ghToken };
    a.self = a;
    const out = redactDeep(a, r) as Record<string, unknown>;
    expect(out.s).toBe(REDACTED);
    expect(out.self).toBe(out);
  });
});

describe("secretsFromEnv", () => {
  it("takes values of secret-looking names at least 8 characters long", () => {
    const got = secretsFromEnv({
      GITHUB_TOKEN: "ghs_abcdefgh",
      ANTHROPIC_API_KEY: "sk-ant-xxxxxxxx",
      WEBHOOK_SECRET: "webhook-secret",
      PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\n...",
      DB_PASSWORD: "hunter22",
      SHORT_TOKEN: "abc",
      PATH: "/usr/bin:/bin",
      HOME: "/root",
      MONKEY: "not-a-secret-value",
      TOKENIZER: "not-a-secret-value",
      UNSET_TOKEN: undefined,
    });
    expect(got.sort()).toEqual(
      [
        "ghs_abcdefgh",
        "sk-ant-xxxxxxxx",
        "webhook-secret",
        "-----BEGIN RSA PRIVATE KEY-----\n...",
        "hunter22",
      ].sort(),
    );
  });
});
