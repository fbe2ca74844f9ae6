import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/electricity/index.js";

describeConformance(plugin);
