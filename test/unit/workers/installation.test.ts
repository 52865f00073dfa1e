// Installation clients from the app's credentials, against the stand-in GitHub.
import { afterEach, describe, expect, it } from "@jest/globals";
import { botIdentity, createAppAuth, lookupBotIdentity } from "../../../src/workers/installation.js";
import { generateAppPrivateKey, testOctokit } from "../../helpers/github-api.js";
import { FAKE_TOKEN } from "../../helpers/worker-fixture.js";
import { mockWorkerGitHub, type WorkerGitHub } from "../../helpers/worker-github.js";

const privateKey = generateAppPrivateKey();
let gh: WorkerGitHub;

afterEach(() => {
  const problems = gh.gh.problems();
  gh.gh.done();
  expect(problems).toEqual([]);
});

const tokenRequests = () =>
  gh.gh.requests.filter((r) => r.route === "POST /app/installations/{installation_id}/access_tokens");

describe("createAppAuth", () => {
  it("mints an installation token as the app once and reuses it until near expiry", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    const app = createAppAuth({ appId: 1, privateKey, Octokit: testOctokit() });
    const inst = await app.installation(2);
    expect(await inst.token()).toBe(FAKE_TOKEN);
    expect(await inst.token()).toBe(FAKE_TOKEN);
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0]!.params.installation_id).toBe("2");
    // Minted with the app's JWT, not a token.
    expect(String(tokenRequests()[0]!.headers.authorization)).toMatch(/^bearer /i);
  });
});

describe("bot identity", () => {
  it("is <slug>[bot] with the bot user's id+login noreply address", () => {
    expect(botIdentity("maestro", 123)).toEqual({
      name: "maestro[bot]",
      email: "123+maestro[bot]@users.noreply.github.com",
    });
    expect(botIdentity("maestro").email).toBe("maestro[bot]@users.noreply.github.com");
  });

  it("is looked up from GET /app and the bot user", async () => {
    gh = mockWorkerGitHub({ owner: "o", repo: "r" });
    const app = createAppAuth({ appId: 1, privateKey, Octokit: testOctokit() });
    const id = await lookupBotIdentity(app.probot);
    expect(id).toEqual({
      name: "maestro-test[bot]",
      email: "4242+maestro-test[bot]@users.noreply.github.com",
    });
    expect(gh.gh.calls()).toEqual(["GET /app", "GET /users/{username}"]);
    const userRequest = gh.gh.requests.find((r) => r.route === "GET /users/{username}")!;
    expect(userRequest.params.username).toBe("maestro-test[bot]");
    expect(userRequest.headers.authorization).toBeUndefined();
  });
});
