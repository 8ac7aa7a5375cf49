import { WeriftSfu } from '../../media/sfu/werift/WeriftSfu.js';
import { testLogger } from '../helpers/logger.js';
import { contractNetwork, sfuContract } from './sfuContract.js';

sfuContract(
  'werift, viewers on the main thread',
  () => new WeriftSfu(contractNetwork, testLogger, { workers: 0, gopCachePackets: 4096 }),
);
sfuContract(
  'werift, viewers on 2 worker threads',
  () => new WeriftSfu(contractNetwork, testLogger, { workers: 2, gopCachePackets: 4096 }),
);
