import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/noise/index.js";

describeConformance(plugin);
