import { describeConformance } from "../../../sdk/testing/index.js";
import plugin from "../../../plugins/cold-chain/index.js";
import environment from "../../../plugins/environment/index.js";

describeConformance(plugin, { dependencies: [environment] });
