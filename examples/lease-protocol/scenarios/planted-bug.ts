// The user's lease protocol with its planted units bug (see ../lease-scenario.ts).
import { leaseScenario } from '../lease-scenario.js';

export default leaseScenario({ plantedBug: true });
