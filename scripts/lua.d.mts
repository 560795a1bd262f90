// Types of lua.mjs (plain Node ESM: a Lua 5.1 interpreter for the tests of Argo CD health checks).

export declare class LuaInstallError extends Error {}

export interface Lua {
  /** Absolute path of the `lua5.1` interpreter. */
  readonly command: string;
  /** Variables to add to the interpreter's environment (LD_LIBRARY_PATH for the unpacked Debian package). */
  readonly env: Record<string, string>;
}

/**
 * `lua5.1` from PATH, else Debian's lua5.1 and liblua5.1-0 fetched with `apt-get download` and unpacked
 * with `dpkg -x` into `<root>/.cache/tools/lua5.1/` (no root needed, cached). Rejects with a
 * LuaInstallError naming what to install.
 */
export declare function ensureLua(root: string): Promise<Lua>;
