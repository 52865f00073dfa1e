// Issue 13, part A: Claude Code, Gemini CLI and the `command` agent × success, API 401, API 500, cancel, task
// timeout, stall (the matrix and its assertions: test/helpers/agent-matrix.ts).
import { defineAgentMatrix } from "../helpers/agent-matrix.js";

defineAgentMatrix(["claude-code", "gemini", "command"]);
