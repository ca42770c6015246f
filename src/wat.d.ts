// WebAssembly text compiled at build time by scripts/wat-plugin.ts.
declare module '*.wat' {
  /** The module as written: its memory import is shared (a threaded heap). */
  export const shared: Uint8Array;
  /** The same module importing an unshared memory. */
  export const unshared: Uint8Array;
}
