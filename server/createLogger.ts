import pino, { type Logger } from 'pino';

/** The root pino logger (JSON lines on stdout); modules take `logger.child({ module })`. */
export function createLogger(level: string): Logger {
  return pino({ name: 'camserver', level });
}
