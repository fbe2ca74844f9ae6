import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/water/index.js";

describeConformance(plugin);
