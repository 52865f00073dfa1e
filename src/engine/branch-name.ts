// Branch naming of DESIGN §6: <branchPrefix><issue-number>-<playbook>-<runId8>.
export function runBranchName(opts: {
  prefix: string;
  issueNumber?: number;
  playbook: string;
  runId: string;
}): string {
  const slug =
    opts.playbook
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "playbook";
  const id8 = opts.runId.replace(/[^a-zA-Z0-9]/g, "").slice(0, 8);
  const issue = opts.issueNumber !== undefined ? String(opts.issueNumber) : "local";
  return `${opts.prefix}${issue}-${slug}-${id8}`;
}
