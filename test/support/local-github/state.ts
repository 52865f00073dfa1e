// The local GitHub's in-memory data, with the lookups every route needs.
import {
  repoKey,
  type CheckRun,
  type Issue,
  type IssueComment,
  type Label,
  type Reaction,
  type Repo,
  type Review,
  type ReviewComment,
  type Urls,
  type User,
} from "./model.js";

export class State {
  readonly users = new Map<string, User>();
  readonly repos = new Map<string, Repo>();
  readonly issues: Issue[] = [];
  readonly comments: IssueComment[] = [];
  readonly reactions: Reaction[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly reviews: Review[] = [];
  readonly reviewComments: ReviewComment[] = [];
  private nextIdValue = 1000;
  private nextUserId = 5000;

  /** Login of the app's owner (an organization). */
  appOwner = "maestro-apps";

  constructor(
    public urls: Urls,
    readonly app: { id: number; slug: string; name: string; botUserId: number },
  ) {}

  nextId(): number {
    return this.nextIdValue++;
  }

  now(): string {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** The user with this login, created (as a User) on first mention. */
  user(login: string, type: User["type"] = "User"): User {
    const key = login.toLowerCase();
    let u = this.users.get(key);
    if (!u) {
      u = { login, id: this.nextUserId++, type, name: null };
      this.users.set(key, u);
    }
    return u;
  }

  findUser(login: string): User | undefined {
    return this.users.get(login.toLowerCase());
  }

  /** Renderers take this: a login → its user. */
  readonly userOf = (login: string): User => this.user(login);

  repo(owner: string, name: string): Repo | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  issue(r: Repo, n: number): Issue | undefined {
    const key = repoKey(r.owner, r.name);
    return this.issues.find((i) => i.repo === key && i.number === n);
  }

  issuesOf(r: Repo): Issue[] {
    const key = repoKey(r.owner, r.name);
    return this.issues.filter((i) => i.repo === key);
  }

  nextNumber(r: Repo): number {
    return this.issuesOf(r).reduce((m, i) => Math.max(m, i.number), 0) + 1;
  }

  commentsOn(r: Repo, n: number): IssueComment[] {
    const key = repoKey(r.owner, r.name);
    return this.comments.filter((c) => c.repo === key && c.issueNumber === n);
  }

  /** The repo's label (created on first use, as adding an unknown label to an issue does on GitHub). */
  label(r: Repo, name: string): Label {
    const key = name.toLowerCase();
    let l = r.labels.get(key);
    if (!l) {
      l = { id: this.nextId(), name, color: "ededed", description: null };
      r.labels.set(key, l);
    }
    return l;
  }

  createIssue(
    r: Repo,
    fields: { title: string; body?: string | null; user: string; labels?: string[]; pull?: Issue["pull"] },
  ): Issue {
    const now = this.now();
    this.user(fields.user);
    const issue: Issue = {
      id: this.nextId(),
      repo: repoKey(r.owner, r.name),
      number: this.nextNumber(r),
      title: fields.title,
      body: fields.body ?? null,
      user: fields.user,
      labels: [],
      state: "open",
      createdAt: now,
      updatedAt: now,
      ...(fields.pull ? { pull: fields.pull } : {}),
    };
    for (const l of fields.labels ?? []) issue.labels.push(this.label(r, l).name);
    this.issues.push(issue);
    return issue;
  }

  createComment(r: Repo, issue: Issue, body: string, user: string): IssueComment {
    const now = this.now();
    this.user(user);
    const c: IssueComment = {
      id: this.nextId(),
      repo: repoKey(r.owner, r.name),
      issueNumber: issue.number,
      body,
      user,
      createdAt: now,
      updatedAt: now,
    };
    this.comments.push(c);
    issue.updatedAt = now;
    return c;
  }
}
