import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/water-network/index.js";

describeConformance(plugin);
