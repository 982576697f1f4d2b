// The value CloudFormation generates for an AWS::SecretsManager::Secret with
// GenerateSecretString, following that property's rules: PasswordLength (default 32),
// ExcludeCharacters, ExcludeLowercase / ExcludeUppercase / ExcludeNumbers / ExcludePunctuation,
// IncludeSpace (default false), RequireEachIncludedType (default true), and SecretStringTemplate
// with GenerateStringKey (the password goes into that key of the JSON template). Seeded, so a
// run is reproducible.

import { SeededIds } from './ids';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const flag = (v: unknown): boolean => v === true || v === 'true';

/** The generated SecretString, or an error naming the rule that cannot be met. */
export function generateSecretString(spec: Record<string, unknown>, ids: SeededIds, ...seedParts: string[]): string {
  const length = spec.PasswordLength === undefined ? 32 : Number(spec.PasswordLength);
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new Error(`GenerateSecretString.PasswordLength ${String(spec.PasswordLength)} is not 1..4096`);
  const excluded = new Set(String(spec.ExcludeCharacters ?? ''));
  const classes = [
    flag(spec.ExcludeLowercase) ? '' : LOWER,
    flag(spec.ExcludeUppercase) ? '' : UPPER,
    flag(spec.ExcludeNumbers) ? '' : DIGITS,
    flag(spec.ExcludePunctuation) ? '' : PUNCTUATION,
    flag(spec.IncludeSpace) ? ' ' : '',
  ].map((c) => [...c].filter((ch) => !excluded.has(ch)).join('')).filter((c) => c.length > 0);
  if (classes.length === 0) throw new Error('GenerateSecretString excludes every character');
  const requireEach = spec.RequireEachIncludedType === undefined || flag(spec.RequireEachIncludedType);
  if (requireEach && classes.length > length) throw new Error(`GenerateSecretString.PasswordLength ${length} is shorter than the ${classes.length} required character types`);
  const all = classes.join('');
  const hex = ids.hex(length * 8 + 16, 'secret', ...seedParts);
  const pick = (alphabet: string, i: number) => alphabet[parseInt(hex.slice(i * 4, i * 4 + 4), 16) % alphabet.length];
  const chars = Array.from({ length }, (_, i) => pick(all, i));
  if (requireEach) {
    // one character of each included type, at positions chosen from the seed
    classes.forEach((c, k) => {
      const pos = (parseInt(hex.slice((length + k) * 4, (length + k) * 4 + 4), 16) + k) % length;
      chars[(pos + k) % length] = pick(c, length + k);
    });
    for (const [k, c] of classes.entries()) {
      if (!chars.some((ch) => c.includes(ch))) chars[k] = pick(c, k);
    }
  }
  const password = chars.join('');
  if (spec.SecretStringTemplate !== undefined) {
    const key = String(spec.GenerateStringKey ?? '');
    if (!key) throw new Error('GenerateSecretString.SecretStringTemplate needs GenerateStringKey');
    const template = JSON.parse(String(spec.SecretStringTemplate)) as Record<string, unknown>;
    return JSON.stringify({ ...template, [key]: password });
  }
  return password;
}
