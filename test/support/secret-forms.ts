// How a secret can appear in text a test searches: raw, and base64 at each of the three alignments (as in
// a Basic auth header, or an agent that encoded it to get past a filter).
export function secretForms(secret: string): string[] {
  const forms = [secret];
  for (let s = 0; s < 3; s++) {
    const b64 = Buffer.from("x".repeat(s) + secret, "latin1").toString("base64");
    // Keep only the characters made of the secret's bits alone: they are in any base64 text holding it.
    forms.push(b64.slice(Math.ceil((4 * s) / 3), Math.floor((4 * (s + secret.length) - 3) / 3) + 1));
  }
  return forms;
}
