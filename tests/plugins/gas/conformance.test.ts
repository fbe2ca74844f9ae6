import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/gas/index.js";

describeConformance(plugin);
