// The ways a secret can appear in text besides its literal value: an agent (or a tool it runs) may print
// it base64-, hex- or URL-encoded, and every such form must be redacted and caught before a push.

export type SecretEncoding = "raw" | "base64" | "base64url" | "hex" | "url";

export interface SecretForm {
  encoding: SecretEncoding;
  text: string;
}

/**
 * The literal secret and its common encodings: base64 (standard and URL-safe) at each of the three byte
 * alignments, hex in lower and upper case, and percent-encoding as the usual encoders produce it. Base64
 * forms keep only the characters made of the secret's own bits, which appear in any base64 text holding
 * the secret whatever surrounds it. Duplicates are dropped, the first (simplest) encoding wins.
 */
export function encodedForms(secret: string): SecretForm[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms: SecretForm[] = [{ encoding: "raw", text: secret }];
  for (let shift = 0; shift < 3; shift++) {
    const core = base64Core(bytes, shift);
    forms.push({ encoding: "base64", text: core }, { encoding: "base64url", text: toBase64Url(core) });
  }
  const hex = bytes.toString("hex");
  forms.push({ encoding: "hex", text: hex }, { encoding: "hex", text: hex.toUpperCase() });
  for (const text of urlEncodings(secret)) forms.push({ encoding: "url", text });
  return dedupe(forms);
}

/** Base64 characters made only of the secret's bits when it starts `shift` bytes into the encoded data. */
function base64Core(bytes: Buffer, shift: number): string {
  const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
  const first = Math.ceil((4 * shift) / 3);
  const last = Math.floor((4 * (shift + bytes.length) - 3) / 3);
  return b64.slice(first, last + 1);
}

function toBase64Url(b64: string): string {
  return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

/** What encodeURIComponent, encodeURI, strict RFC 3986 and form encoding make of it, hex digits in either case. */
function urlEncodings(secret: string): string[] {
  let component: string;
  let uri: string;
  try {
    component = encodeURIComponent(secret);
    uri = encodeURI(secret);
  } catch {
    return []; // lone surrogates: no encoder prints those
  }
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const upper = [component, uri, strict, form];
  return [...upper, ...upper.map((s) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))];
}

function dedupe(forms: SecretForm[]): SecretForm[] {
  const seen = new Set<string>();
  return forms.filter((f) => f.text.length > 0 && !seen.has(f.text) && seen.add(f.text));
}
