import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/environment/index.js";

describeConformance(plugin);
