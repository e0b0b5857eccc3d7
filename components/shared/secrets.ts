import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A generated credential, stored in state as a Pulumi secret. Only letters and digits, so it can go
 * into a URI, a redis.conf line or a MongoDB keyFile without escaping. Changing `length` replaces it
 * (and every server reading it), so lengths are fixed per use.
 */
export function generatedSecret(
  name: string,
  parent: pulumi.Resource,
  length = 32,
  opts: pulumi.CustomResourceOptions = {},
): pulumi.Output<string> {
  const password = new random.RandomPassword(
    name,
    {
      length,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      minNumeric: 1,
      minUpper: 1,
      minLower: 1,
    },
    { ...opts, parent, additionalSecretOutputs: ["result", "bcryptHash"] },
  );
  return pulumi.secret(password.result);
}
