import { describe, expect, it } from "@jest/globals";
import { isTransient } from "../../../src/github/comment-once.js";
import { replyMarker } from "../../../src/github/reply.js";

describe("isTransient", () => {
  it("retries server errors, 429, secondary rate limits and lost connections; not client errors", () => {
    expect(isTransient({ status: 502 })).toBe(true);
    expect(isTransient({ status: 500 })).toBe(true);
    expect(isTransient({ status: 429 })).toBe(true);
    expect(isTransient({ status: 403, message: "You have exceeded a secondary rate limit" })).toBe(true);
    expect(isTransient(new Error("socket hang up"))).toBe(true);
    expect(isTransient({ status: 403, message: "Resource not accessible by integration" })).toBe(false);
    expect(isTransient({ status: 404 })).toBe(false);
    expect(isTransient({ status: 422 })).toBe(false);
  });
});

describe("replyMarker", () => {
  it("is a hidden comment that cannot be broken out of", () => {
    expect(replyMarker("72d3162e-cc78-11e3-81ab-4c9367dc0958")).toBe(
      "<!-- maestro:reply:72d3162e-cc78-11e3-81ab-4c9367dc0958 -->",
    );
    expect(replyMarker("x --> <b>")).toMatch(/^<!-- maestro:reply:[A-Za-z0-9_-]+ -->$/);
  });
});
