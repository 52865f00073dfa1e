// Issue 13, part B: Codex and OpenCode × success, API 401, API 500, cancel, task timeout, stall (the matrix and
// its assertions: test/helpers/agent-matrix.ts).
import { defineAgentMatrix } from "../helpers/agent-matrix.js";

defineAgentMatrix(["codex", "opencode"]);
