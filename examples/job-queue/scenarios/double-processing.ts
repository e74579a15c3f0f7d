// Without fencing: the stalled worker's result is written after the other worker's (see ../job-queue-scenario.ts).
import { jobQueueScenario } from '../job-queue-scenario.js';

export default jobQueueScenario({ fenced: false });
