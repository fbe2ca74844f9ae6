import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/heat/index.js";

describeConformance(plugin);
