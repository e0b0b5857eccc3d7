import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { DockerTarget } from "./target";
import { DEFAULT_PUBLISH_ADDRESS } from "./target";

/**
 * Docker wiring shared by the three engines: a private network, named volumes that survive
 * `pulumi destroy` unless data loss is allowed, images pinned by tag and digest, ports published on
 * 127.0.0.1 only by default.
 */

export function dockerChildOptions(
  parent: pulumi.Resource,
  target: DockerTarget,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { parent, ...(target.provider ? { provider: target.provider } : {}), ...extra };
}

/** The network members join: the target's, or a new bridge network named after the component. */
export function dockerNetworkName(
  componentName: string,
  parent: pulumi.Resource,
  target: DockerTarget,
): pulumi.Input<string> {
  if (target.networkName !== undefined) return target.networkName;
  const network = new docker.Network(
    `${componentName}-net`,
    { name: `${componentName}-net`, driver: "bridge", attachable: true },
    dockerChildOptions(parent, target),
  );
  return network.name;
}

/** Pulls the pinned image once; containers use its image id, so a tag moved upstream changes nothing until the tag changes here. */
export function pinnedImage(
  name: string,
  image: string,
  parent: pulumi.Resource,
  target: DockerTarget,
): docker.RemoteImage {
  return new docker.RemoteImage(name, { name: image, keepLocally: true }, dockerChildOptions(parent, target));
}

/** A named volume; kept on delete unless `retainOnDelete` is false (only when the stack allows data loss). */
export function dockerVolume(
  name: string,
  labels: Record<string, string>,
  retainOnDelete: boolean,
  parent: pulumi.Resource,
  target: DockerTarget,
): docker.Volume {
  return new docker.Volume(
    name,
    { name, labels: Object.entries(labels).map(([label, value]) => ({ label, value })) },
    dockerChildOptions(parent, target, { retainOnDelete }),
  );
}

/** A port published on the host, bound to the target's address (default 127.0.0.1). */
export function publishedPort(
  target: DockerTarget,
  internal: number,
  external: number,
): docker.types.input.ContainerPort {
  return { internal, external, ip: target.publishAddress ?? DEFAULT_PUBLISH_ADDRESS, protocol: "tcp" };
}

/** Container labels as the Docker provider wants them. */
export function containerLabels(labels: Record<string, string>): docker.types.input.ContainerLabel[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}

/** A health check that runs `command` in the container (exec form, no shell unless the command asks for one). */
export function healthCheck(
  command: string[],
  startPeriodSeconds = 30,
): docker.types.input.ContainerHealthcheck {
  return {
    tests: ["CMD", ...command],
    interval: "10s",
    timeout: "5s",
    retries: 6,
    startPeriod: `${startPeriodSeconds}s`,
  };
}
