/** A JSON-RPC error answered to the client; codes as agave's `rpc_custom_error.rs` and JSON-RPC 2.0 §5.1. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
