import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { EditSpacing } from "../../../src/workers/edit-spacing.js";

afterEach(() => {
  jest.useRealTimers();
});

describe("EditSpacing", () => {
  it("lets one progress edit per gap through per installation; other installations are not held up", async () => {
    jest.useFakeTimers();
    const spacing = new EditSpacing(2000);
    const passed: string[] = [];
    const go = (key: string, label: string) => void spacing.wait(key).then(() => passed.push(label));
    go("1", "a");
    go("1", "b");
    go("1", "c");
    go("2", "x");
    await jest.advanceTimersByTimeAsync(0);
    expect(passed).toEqual(["a", "x"]);
    await jest.advanceTimersByTimeAsync(1999);
    expect(passed).toEqual(["a", "x"]);
    await jest.advanceTimersByTimeAsync(1);
    expect(passed).toEqual(["a", "x", "b"]);
    await jest.advanceTimersByTimeAsync(2000);
    expect(passed).toEqual(["a", "x", "b", "c"]);
  });
});
