import { WeriftSfu } from '../../media/sfu/werift/WeriftSfu.js';
import { testLogger } from '../helpers/logger.js';
import { contractNetwork, sfuContract } from './sfuContract.js';

sfuContract('werift', () => new WeriftSfu(contractNetwork, testLogger));
