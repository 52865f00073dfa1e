// How a secret can appear in text a test searches: raw, base64 (standard and URL-safe) at each alignment,
// hex and URL-encoded — the same forms Maestro redacts (src/security/secret-forms.ts).
import { encodedForms } from "../../src/security/secret-forms.js";

export function secretForms(secret: string): string[] {
  return encodedForms(secret).map((f) => f.text);
}
