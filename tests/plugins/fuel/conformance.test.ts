import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/fuel/index.js";

describeConformance(plugin);
