/** The executable entry: bin/lockstep.js imports this module. Kept apart so tests can import main(). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
