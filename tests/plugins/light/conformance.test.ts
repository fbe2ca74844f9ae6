import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/light/index.js";

describeConformance(plugin);
