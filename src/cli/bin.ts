#!/usr/bin/env node
// Process entry of `maestro` (bin/maestro.js loads the compiled copy of this file).
import { runCli } from "./main.js";

void runCli();
