import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/air-quality/index.js";

describeConformance(plugin);
