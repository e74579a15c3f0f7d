// The same protocol and clients without the bug (see ../lease-scenario.ts).
import { leaseScenario } from '../lease-scenario.js';

export default leaseScenario({ plantedBug: false });
