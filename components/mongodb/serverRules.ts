/**
 * What a MongoDB server accepts in an index definition, kept as data with its source, so the schema
 * check refuses at preview what `createIndexes` would refuse at `pulumi up`. Pure data: imported by
 * schemaSpec.ts (and serialized with the MongoDatabaseSchema provider) and by the generated config
 * reference.
 */

/**
 * Collation locales the server's ICU collator factory accepts (plus `simple`, the binary compare).
 * Source: mongodb/mongo `src/mongo/db/query/collation/collator_factory_icu_locales_test.cpp`
 * (commit 80c2fa4542927ba663dc377ca16379f4f11cffbb: one passing test per locale), the same list as
 * https://www.mongodb.com/docs/manual/reference/collation-locales-defaults/. Any other locale is
 * refused with `2 BadValue` ("Field 'locale' is invalid", collator_factory_icu.cpp).
 */
export const COLLATION_LOCALES: readonly string[] = [
  "simple",
  "af",
  "am",
  "ar",
  "as",
  "az",
  "be",
  "bg",
  "bn",
  "bo",
  "bs",
  "bs_Cyrl",
  "ca",
  "chr",
  "cs",
  "cy",
  "da",
  "de",
  "de_AT",
  "dsb",
  "dz",
  "ee",
  "el",
  "en",
  "en_US",
  "en_US_POSIX",
  "eo",
  "es",
  "et",
  "fa",
  "fa_AF",
  "fi",
  "fil",
  "fo",
  "fr",
  "fr_CA",
  "ga",
  "gl",
  "gu",
  "ha",
  "haw",
  "he",
  "hi",
  "hr",
  "hsb",
  "hu",
  "hy",
  "id",
  "ig",
  "is",
  "it",
  "ja",
  "ka",
  "kk",
  "kl",
  "km",
  "kn",
  "ko",
  "kok",
  "ky",
  "lb",
  "lkt",
  "ln",
  "lo",
  "lt",
  "lv",
  "mk",
  "ml",
  "mn",
  "mr",
  "ms",
  "mt",
  "my",
  "nb",
  "ne",
  "nl",
  "nn",
  "om",
  "or",
  "pa",
  "pl",
  "ps",
  "pt",
  "ro",
  "ru",
  "se",
  "si",
  "sk",
  "sl",
  "smn",
  "sq",
  "sr",
  "sr_Latn",
  "sv",
  "sw",
  "ta",
  "te",
  "th",
  "to",
  "tr",
  "ug",
  "uk",
  "ur",
  "vi",
  "wae",
  "yi",
  "yo",
  "zh",
  "zh_Hant",
  "zu",
];

/**
 * Whether `locale` names a supported collation: a listed locale, optionally with an ICU variant
 * (`de@collation=phonebook`, `zh@collation=unihan`). Variants are checked for form only; the server
 * knows which locale has which variant (the documentation page above lists them).
 */
export function isSupportedCollationLocale(locale: string): boolean {
  const [base, variant, ...rest] = locale.split("@");
  if (rest.length > 0 || base === undefined || !COLLATION_LOCALES.includes(base)) return false;
  if (variant === undefined) return true;
  return base !== "simple" && /^collation=[a-z0-9]+$/.test(variant);
}

/**
 * Languages of text indexes (textIndexVersion 3, the only version kato-infra creates), and their
 * two-letter aliases; matched without regard to case. Source: mongodb/mongo
 * `src/mongo/db/fts/fts_language.cpp` (commit b6a71bf144c8467c6d4064512c344b5cb45bced8,
 * `MONGO_FTS_LANGUAGE_LIST` plus "none"). Any other `default_language` is refused with
 * `67 CannotCreateIndex` ("default_language is not valid", `FTSSpec::fixSpec` in fts_spec.cpp, same
 * commit).
 */
export const TEXT_LANGUAGES: ReadonlyArray<readonly [name: string, alias: string | undefined]> = [
  ["none", undefined],
  ["danish", "da"],
  ["dutch", "nl"],
  ["english", "en"],
  ["finnish", "fi"],
  ["french", "fr"],
  ["german", "de"],
  ["hungarian", "hu"],
  ["italian", "it"],
  ["norwegian", "nb"],
  ["portuguese", "pt"],
  ["romanian", "ro"],
  ["russian", "ru"],
  ["spanish", "es"],
  ["swedish", "sv"],
  ["turkish", "tr"],
];

export function isSupportedTextLanguage(language: string): boolean {
  const lower = language.toLowerCase();
  return TEXT_LANGUAGES.some(([name, alias]) => name === lower || alias === lower);
}

/**
 * Deepest partial filter the server accepts: `internalPartialFilterExpressionMaxDepth`, default 4.
 * Source: mongodb/mongo `src/mongo/db/catalog/index_catalog_impl.cpp` (recent master,
 * `_checkValidFilterExpressions`:
 * `67 CannotCreateIndex` "partialFilterExpression depth may not exceed 4") and
 * the jstest `index_partial_create_drop.js` (three nested `$and` around `{x: 3}` pass, four
 * fail).
 */
export const PARTIAL_FILTER_MAX_DEPTH = 4;

/**
 * Depth of a partial filter as the server counts it: the filter parses into a match expression tree
 * (a document with several conditions is an implicit `$and`, one with a single condition is that
 * condition; every `$and`/`$or` is a node over its documents; each field operator is a leaf).
 */
export function partialFilterDepth(filter: Record<string, unknown>): number {
  const nodes: number[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if ((key === "$and" || key === "$or") && Array.isArray(value)) {
      const subs = value.map((sub) =>
        sub && typeof sub === "object" && !Array.isArray(sub)
          ? partialFilterDepth(sub as Record<string, unknown>)
          : 1,
      );
      nodes.push(1 + Math.max(0, ...subs));
    } else if (
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.keys(value).some((k) => k.startsWith("$"))
    ) {
      for (const _ of Object.keys(value)) nodes.push(1);
    } else {
      nodes.push(1);
    }
  }
  if (nodes.length === 1) return nodes[0]!;
  return 1 + Math.max(0, ...nodes);
}
