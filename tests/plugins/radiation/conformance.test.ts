import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/radiation/index.js";

describeConformance(plugin);
