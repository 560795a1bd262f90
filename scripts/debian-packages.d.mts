// Types of debian-packages.mjs (Debian packages unpacked without root, for test tools).

export declare class DebianPackageError extends Error {}

/** The absolute path of an executable named `name` on PATH, or undefined. */
export declare function findOnPath(name: string, path?: string): string | undefined;

/** Unpacks `packages` into `<installDir>/root` once (apt-get download + dpkg -x); returns that root. */
export declare function unpackDebianPackages(packages: readonly string[], installDir: string): Promise<string>;
