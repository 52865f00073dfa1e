// Free disk under the data dir: a worker refuses to start a run below MAESTRO_MIN_FREE_DISK_MB.
import { resolveDataDir } from "../../runlog/paths.js";
import { freeDiskMb } from "../../workers/preflight.js";
import { errorText, type CheckResult, type DoctorContext } from "./check.js";

export async function checkDisk(ctx: DoctorContext): Promise<CheckResult> {
  const dir = resolveDataDir(ctx.env, ctx.cwd);
  const text = ctx.env.MAESTRO_MIN_FREE_DISK_MB?.trim();
  const min = text && /^\d+$/.test(text) ? Number(text) : 1024;
  let free: number;
  try {
    free = await freeDiskMb(dir);
  } catch (err) {
    return {
      name: "disk",
      status: "fail",
      detail: `cannot read the free space under ${dir} (${errorText(err)})`,
      fix: "set MAESTRO_DATA_DIR to a directory this user can create and write",
    };
  }
  if (free < min) {
    return {
      name: "disk",
      status: "fail",
      detail: `${free} MiB free under ${dir}; a worker starts a run only with ${min} MiB (MAESTRO_MIN_FREE_DISK_MB)`,
      fix: "free space there (old mirrors under $MAESTRO_DATA_DIR/mirrors can go), or move MAESTRO_DATA_DIR to a larger disk",
    };
  }
  return { name: "disk", status: "ok", detail: `${free} MiB free under ${dir} (runs need ${min} MiB)` };
}
