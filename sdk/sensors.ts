// Sensor channels a plugin contributes (temperature, CO2, supply voltage, ...): the name a
// reading's column or `channel` field uses, its unit, its physically valid range (a value
// outside it is rejected, never judged) and default thresholds with durations.

/** How urgent an alert is; written to alerts.csv's `severity`. */
export type Severity = "info" | "warning" | "critical";

/**
 * A threshold on one channel: an alert when the value stays above `above` (or below `below`)
 * for more than `forMinutes` minutes (0: at once). Both comparisons are strict: a value equal to
 * the limit is fine, and so is a duration of exactly `forMinutes` (above 8 °C for 30 minutes: a
 * reading at 30 min does not alert, one at 30 min + 1 ms does). One alert per episode: the
 * condition must clear before it can alert again. Durations span readings and batches; readings
 * logged offline are judged in time order.
 *
 * @example
 * { name: "too-warm", channel: "temperature", above: 8, forMinutes: 30, severity: "critical", message: "cold chain: temperature above 8 °C for 30 min" }
 */
export interface ThresholdDefinition {
  /** Unique within the plugin, e.g. `too-warm`; alerts.csv's `rule` is `<plugin>/<name>`. */
  readonly name: string;
  /** The channel it watches (a channel of this plugin or of a dependency). */
  readonly channel: string;
  /** Exactly one of `above` and `below`. */
  readonly above?: number;
  readonly below?: number;
  /**
   * Minutes the condition must hold before it alerts, strictly more: the first reading still
   * meeting it more than `forMinutes` after the episode's first reading alerts; default 0 (the
   * first reading alerts).
   */
  readonly forMinutes?: number;
  /**
   * Deadband: once an episode has begun, values up to this far back inside the limit keep it
   * going (a temperature hovering at 8.0 ± 0.1 °C is one excursion, not many); only a value
   * beyond the band ends it. Default 0 (any value not beyond the limit ends the episode).
   */
  readonly hysteresis?: number;
  readonly severity: Severity;
  /** alerts.csv's `message`. */
  readonly message: string;
}

/** A sensor channel. */
export interface SensorChannelDefinition {
  /**
   * The channel's name as readings carry it: a column of that name (wide rows) or the value of
   * the `channel` field (one row per channel). Lowercase letters, digits, `_` and `.`; unique
   * across all plugins, e.g. `temperature`, `illuminance.uv`.
   */
  readonly name: string;
  /** Unit of the values, e.g. `°C`, `%RH`, `ppm`, `V`. */
  readonly unit: string;
  readonly description: string;
  /** Physically valid values, inclusive; outside is rejected `out_of_range`. */
  readonly range: { readonly min: number; readonly max: number };
  /**
   * Only whole numbers are valid (a 0/1 flag such as `power_loss`, a count); any other value is
   * rejected `out_of_range` like one outside the range. Default false.
   */
  readonly integer?: boolean;
}
