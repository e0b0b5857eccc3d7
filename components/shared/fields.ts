/**
 * Documentation of one config field. Each engine exports the list of its fields; the program uses
 * them to describe `Pulumi.yaml`'s config block and the README's reference, and a test keeps both
 * in step with the code.
 */
export interface FieldDoc {
  /** Field name inside its config object, e.g. `members` (full key: `kato-infra:mongodb` -> `members`). */
  name: string;
  /** Type as a user reads it: `integer`, `string`, `boolean`, `quantity`, `string[]`, `"soft" | "required"`... */
  type: string;
  /** Default for the `dev` profile. */
  default: unknown;
  /** The default in words when another field decides it (`mongo:<version>`); `default` is then unset. */
  defaultText?: string;
  /** What values are accepted, in the user's words (a range, a list, a pattern). */
  rules?: string;
  /** One or two sentences: what it does, in the user's words. */
  description: string;
}
