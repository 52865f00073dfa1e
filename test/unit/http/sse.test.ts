import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { resumePosition, sseComment, sseMessage, sseRetry } from "../../../src/http/sse.js";
import { parseSse as parse } from "../../helpers/sse.js";

describe("server-sent events", () => {
  it("a message is an event name, the store position as id, and the data as one JSON line", () => {
    expect(sseMessage({ id: "1-5", data: { type: "task.started", index: 0 } })).toBe(
      'id: 1-5\ndata: {"type":"task.started","index":0}\n\n',
    );
    expect(sseMessage({ event: "end", data: { reason: "finished" } })).toBe(
      'event: end\ndata: {"reason":"finished"}\n\n',
    );
    expect(sseComment("keep-alive")).toBe(": keep-alive\n\n");
    expect(sseRetry(2000)).toBe("retry: 2000\n\n");
  });

  it("no text in the data can end the message early or forge a field", () => {
    const hostile = {
      type: "agent.message",
      text: "done\n\nevent: end\ndata: {}\n\nid: 9-9\r\ndata: x\rretry: 1\n: comment\u2028\u2029",
    };
    const msgs = parse(sseMessage({ id: "1-7", data: hostile }) + sseMessage({ id: "1-8", data: { n: 2 } }));
    expect(msgs).toEqual([
      { event: "message", id: "1-7", data: JSON.stringify(hostile) },
      { event: "message", id: "1-8", data: '{"n":2}' },
    ]);
    expect(JSON.parse(msgs[0]!.data)).toEqual(hostile);
  });

  it("any string survives the round trip as exactly one message", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (text, name) => {
        const msgs = parse(sseMessage({ id: "1-1", data: { text, name } }));
        expect(msgs).toHaveLength(1);
        expect(JSON.parse(msgs[0]!.data)).toEqual({ text, name });
      }),
    );
  });

  it("refuses a line break in Maestro's own fields", () => {
    expect(() => sseMessage({ event: "end\ndata: x", data: {} })).toThrow(/line break/);
    expect(() => sseMessage({ id: "1-1\r", data: {} })).toThrow(/line break/);
    expect(() => sseComment("a\nb")).toThrow(/line break/);
  });

  it("resumes after Last-Event-ID, else ?after=, and only from a store position", () => {
    expect(resumePosition("1-42", null)).toBe("1-42");
    expect(resumePosition(["1-42", "1-1"], "1-3")).toBe("1-42");
    expect(resumePosition(undefined, "1-3")).toBe("1-3");
    expect(resumePosition("", "1-3")).toBe("1-3");
    expect(resumePosition("garbage", null)).toBeUndefined();
    expect(resumePosition("1-2\n", null)).toBe("1-2");
    expect(resumePosition("(1-2", "+")).toBeUndefined();
    expect(resumePosition(`${"9".repeat(21)}-1`, null)).toBeUndefined();
  });
});
