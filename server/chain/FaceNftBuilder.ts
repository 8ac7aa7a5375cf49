import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  AuthorityType,
  ExtensionType,
  LENGTH_SIZE,
  TOKEN_2022_PROGRAM_ID,
  TYPE_SIZE,
  createAssociatedTokenAccountInstruction,
  createInitializeMetadataPointerInstruction,
  createInitializeMintInstruction,
  createInitializeNonTransferableMintInstruction,
  createMintToInstruction,
  createSetAuthorityInstruction,
  getAssociatedTokenAddressSync,
  getMintLen,
} from '@solana/spl-token';
import {
  createInitializeInstruction,
  createUpdateAuthorityInstruction,
  createUpdateFieldInstruction,
  pack,
  type TokenMetadata,
} from '@solana/spl-token-metadata';
import { Keypair, PublicKey, SystemProgram, Transaction, type Connection } from '@solana/web3.js';
import { BadRequestError } from '../../media/core/errors.js';
import {
  EMBEDDING_SHA256_FIELD,
  type BuiltFaceNft,
  type FaceNftBuilderOptions,
  type FaceNftPackageRef,
} from './faceNftTypes.js';

const DEFAULT_NAME = 'Face attestation';
const DEFAULT_SYMBOL = 'FACE';
const MAX_NAME_BYTES = 32;
const MAX_SYMBOL_BYTES = 10;
const MAX_URI_CHARS = 200;

/**
 * Builds the face NFT transaction: a non-transferable Token-2022 mint that carries its own
 * metadata (name, symbol, uri and the field `embedding_sha256` = hash of the encrypted
 * embedding package; never the embedding), with one token minted to the owner.
 *
 * Instructions, in order (SPL Token-2022 docs, "Non-Transferable Tokens", "Metadata Pointer"
 * and "Token Metadata" extension guides):
 *  1. System createAccount for the mint, sized for the mint and its extensions only, funded for
 *     the final size (mint + metadata TLV entry): the metadata instructions realloc the account.
 *  2. InitializeNonTransferableMint, 3. InitializeMetadataPointer (→ the mint itself, no pointer
 *     authority, so it can never point elsewhere), 4. InitializeMint (decimals 0, the camera as
 *     mint authority, no freeze authority).
 *  5. TokenMetadata Initialize (update authority: the camera), 6. UpdateField `embedding_sha256`.
 *  7. Create the owner's associated token account (Token-2022), 8. MintTo 1.
 *  9. SetAuthority MintTokens → none: supply stays 1 for ever.
 * 10. TokenMetadata UpdateAuthority → none: the metadata becomes immutable (an attestation that
 *     can be neither edited nor re-pointed). Revocation is therefore the server's business
 *     (purging the package the uri names), not an edit of the token.
 *
 * The owner's wallet is the fee payer (it pays fees and rent) and signs last; the server signs
 * with the fresh mint keypair and the camera keypair (`partialSign`).
 */
export class FaceNftBuilder {
  private readonly connection: Connection;
  private readonly authority: Keypair;
  private readonly name: string;
  private readonly symbol: string;

  /** @throws TypeError when `name` or `symbol` is empty or too long (32 and 10 UTF-8 bytes). */
  constructor(opts: FaceNftBuilderOptions) {
    this.connection = opts.connection;
    this.authority = opts.authority;
    this.name = opts.name ?? DEFAULT_NAME;
    this.symbol = opts.symbol ?? DEFAULT_SYMBOL;
    const nameBytes = Buffer.byteLength(this.name, 'utf8');
    if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES) {
      throw new TypeError(`name must be 1 to ${MAX_NAME_BYTES} UTF-8 bytes`);
    }
    const symbolBytes = Buffer.byteLength(this.symbol, 'utf8');
    if (symbolBytes === 0 || symbolBytes > MAX_SYMBOL_BYTES) {
      throw new TypeError(`symbol must be 1 to ${MAX_SYMBOL_BYTES} UTF-8 bytes`);
    }
  }

  /**
   * Builds and partially signs the transaction for `owner`.
   * @param owner the wallet that receives the token and pays (an ed25519 public key, on curve)
   * @param pkg hash and uri of the encrypted embedding package
   * @throws BadRequestError 'sha256 must be 64 hex digits' (field 'sha256'), 'uri must be 1 to 200
   *   printable ASCII characters without spaces' (field 'uri'), 'owner is not a wallet address' (field 'owner')
   */
  async build(owner: PublicKey, pkg: FaceNftPackageRef): Promise<BuiltFaceNft> {
    const { sha256, uri } = validatePackage(pkg);
    if (!(owner instanceof PublicKey) || !PublicKey.isOnCurve(owner.toBytes())) {
      throw new BadRequestError('owner is not a wallet address', 'owner');
    }

    const mintKeypair = Keypair.generate();
    const mint = mintKeypair.publicKey;
    const camera = this.authority.publicKey;
    const programId = TOKEN_2022_PROGRAM_ID;

    // Final metadata as stored: update authority already none (same packed size as a key).
    const metadata: TokenMetadata = {
      mint,
      updateAuthority: undefined,
      name: this.name,
      symbol: this.symbol,
      uri,
      additionalMetadata: [[EMBEDDING_SHA256_FIELD, sha256]],
    };
    const mintLen = getMintLen([ExtensionType.NonTransferable, ExtensionType.MetadataPointer]);
    const metadataLen = TYPE_SIZE + LENGTH_SIZE + pack(metadata).length;
    const lamports = await this.connection.getMinimumBalanceForRentExemption(mintLen + metadataLen);
    const ata = getAssociatedTokenAddressSync(mint, owner, false, programId, ASSOCIATED_TOKEN_PROGRAM_ID);

    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash();
    const transaction = new Transaction({ feePayer: owner, blockhash, lastValidBlockHeight });
    transaction.add(
      // 1. the mint account, funded for its final size
      SystemProgram.createAccount({ fromPubkey: owner, newAccountPubkey: mint, space: mintLen, lamports, programId }),
      // 2-4. mint extensions, then the mint
      createInitializeNonTransferableMintInstruction(mint, programId),
      createInitializeMetadataPointerInstruction(mint, null, mint, programId),
      createInitializeMintInstruction(mint, 0, camera, null, programId),
      // 5-6. metadata on the mint
      createInitializeInstruction({
        programId,
        metadata: mint,
        updateAuthority: camera,
        mint,
        mintAuthority: camera,
        name: this.name,
        symbol: this.symbol,
        uri,
      }),
      createUpdateFieldInstruction({
        programId,
        metadata: mint,
        updateAuthority: camera,
        field: EMBEDDING_SHA256_FIELD,
        value: sha256,
      }),
      // 7-8. one token to the owner
      createAssociatedTokenAccountInstruction(owner, ata, owner, mint, programId, ASSOCIATED_TOKEN_PROGRAM_ID),
      createMintToInstruction(mint, ata, camera, 1, [], programId),
      // 9-10. no more minting, no more metadata edits
      createSetAuthorityInstruction(mint, camera, AuthorityType.MintTokens, null, [], programId),
      createUpdateAuthorityInstruction({ programId, metadata: mint, oldAuthority: camera, newAuthority: null }),
    );
    transaction.partialSign(mintKeypair, this.authority);
    const base64 = transaction.serialize({ requireAllSignatures: false, verifySignatures: true }).toString('base64');
    return { transaction, mint, base64, blockhash, lastValidBlockHeight };
  }
}

function validatePackage(pkg: FaceNftPackageRef): FaceNftPackageRef {
  const { sha256, uri } = (pkg ?? {}) as Partial<FaceNftPackageRef>;
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new BadRequestError('sha256 must be 64 hex digits', 'sha256');
  }
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > MAX_URI_CHARS || !/^[\x21-\x7e]+$/.test(uri)) {
    throw new BadRequestError(`uri must be 1 to ${MAX_URI_CHARS} printable ASCII characters without spaces`, 'uri');
  }
  return { sha256: sha256.toLowerCase(), uri };
}
