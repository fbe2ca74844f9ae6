// The sensor channels of the registered plugins, numbered in registration order: the index
// batches carry (SensorValues.channel) and every thread derives the same way.
import type { PluginRegistry } from "../../sdk/registry.js";

/** Channel name -> index. */
export function channelIndex(registry: PluginRegistry): Map<string, number> {
  const index = new Map<string, number>();
  for (const channel of registry.channels) index.set(channel.name, index.size);
  return index;
}
