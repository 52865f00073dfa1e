// How a secret can appear in text a test searches, computed independently of src/ (tests compare the two).

/** The secret raw, and base64 at each of the three alignments (as in a Basic auth header). */
export function secretForms(secret: string): string[] {
  const forms = [secret];
  for (let s = 0; s < 3; s++) {
    const b64 = Buffer.from("x".repeat(s) + secret, "latin1").toString("base64");
    // Keep only the characters made of the secret's bits alone: they are in any base64 text holding it.
    forms.push(b64.slice(Math.ceil((4 * s) / 3), Math.floor((4 * (s + secret.length) - 3) / 3) + 1));
  }
  return forms;
}

/** For audits: those, URL-safe base64, hex in both cases and URL-encoding too. */
export function auditForms(secret: string): string[] {
  const b64 = secretForms(secret);
  const hex = Buffer.from(secret, "utf8").toString("hex");
  return [
    ...b64,
    ...b64.map((f) => f.replace(/\+/g, "-").replace(/\//g, "_")),
    hex,
    hex.toUpperCase(),
    encodeURIComponent(secret),
  ];
}
