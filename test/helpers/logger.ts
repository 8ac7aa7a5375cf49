import pino from 'pino';

/** A silent logger for tests; `TEST_LOG=debug` shows the logs. */
export const testLogger = pino({ level: process.env.TEST_LOG ?? 'silent' });
