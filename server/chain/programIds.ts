import { PublicKey } from '@solana/web3.js';

/**
 * SPL Memo program v3 (spl-memo 3.0). Written out: the newest memo helper packages default to a
 * different id that local runtimes (litesvm, solana-test-validator) do not load.
 */
export const MEMO_PROGRAM_ID = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
