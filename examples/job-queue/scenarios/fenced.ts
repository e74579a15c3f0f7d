// With fencing tokens: the stalled worker's late result is rejected (see ../job-queue-scenario.ts).
import { jobQueueScenario } from '../job-queue-scenario.js';

export default jobQueueScenario({ fenced: true });
