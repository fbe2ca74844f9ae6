// The plugin SDK's version. A plugin names the range it was written for (`sdk: "^1.0.0"`); the
// engine refuses a plugin whose range this version does not satisfy (semver rules, ./semver.ts).

/** Version of the plugin SDK. */
export const SDK_VERSION = "1.0.0";
