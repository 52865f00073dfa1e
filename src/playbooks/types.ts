// A parsed playbook (DESIGN §3).
import type { FrontMatter } from "./front-matter.js";

export interface PlaybookTask {
  /** 0-based position among all top-level tasks (done ones included): the `Maestro-Task` trailer value. */
  index: number;
  /** The task's own text (first paragraph of the list item), Markdown as written. */
  text: string;
  /** Sub-bullets and further paragraphs of the item, Markdown as written, dedented. */
  details: string;
  done: boolean;
  /** 1-based line of the item in the source file. */
  line: number;
  /** Offsets in the source of the checkbox character (the space or x between brackets), for ticking in place. */
  checkOffset: number;
}

export interface Playbook {
  /** Name: the file's basename without .md, or the given name. */
  name: string;
  frontMatter: FrontMatter;
  /** The prose sent with every task: the body with the task list items removed, trimmed. */
  context: string;
  tasks: PlaybookTask[];
  /** The original source text, byte for byte. */
  source: string;
  /** The file it was read from, when known (used in error messages). */
  file?: string;
  /** Its text comes from outside the maintainers (an issue body): its prose is fenced as data in prompts. */
  untrusted?: boolean;
  /** An untrusted text's front matter was set aside unread (say so to the requester). */
  ignoredFrontMatter?: boolean;
}
