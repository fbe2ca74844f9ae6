import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/power/index.js";

describeConformance(plugin);
