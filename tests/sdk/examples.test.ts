// The guide's example plugins (docs/examples/, shown word for word in docs/plugins.md) pass their
// own tests, conformance included, importing the SDK by the package name as an author does (here
// the package refers to itself: the built dist/, as in the published package).
import "../../docs/examples/vibration/test/vibration.test.js";
import "../../docs/examples/soil-moisture/test/soil-moisture.test.js";
